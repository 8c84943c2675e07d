function fail() {
  throw "a plain string for alice";
}
fail();
