function warn() {
  console.error(new Error("logged warning for alice"));
}
function crash() {
  throw new TypeError("crash for alice");
}
warn();
console.error("some log line");
crash();
