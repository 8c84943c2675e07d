'use strict';
class ConfigError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'ConfigError';
    this.code = 'E_CONFIG';
  }
}
function load(text) {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ConfigError('bad config for user alice:\nsecond line of the message', { cause });
  }
}
module.exports = { load, ConfigError };
