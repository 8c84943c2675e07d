'use strict';
const confy = require('confy');

function readSettings(text) {
  return confy.load(text);
}

function main() {
  readSettings('{ password: hunter2 }');
}

main();
