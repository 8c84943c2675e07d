function inner() {
  throw new RangeError("inner value 42 for alice");
}
function outer() {
  try {
    inner();
  } catch (cause) {
    const err = new Error("outer failed for alice", { cause });
    err.code = "E_OUTER";
    throw err;
  }
}
outer();
