function fail() {
  throw 'plain string with password hunter2';
}
fail();
