setTimeout(function tick() {
  JSON.parse("{bad json from alice");
}, 1);
