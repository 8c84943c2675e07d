function fail() {
  throw new Error("plain failure for alice");
}
fail();
