async function fetchToken() {
  await null;
  throw new TypeError('token abc123 expired for alice');
}

async function run() {
  await fetchToken();
}

run();
