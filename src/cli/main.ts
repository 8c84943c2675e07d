// placeholder, replaced by the CLI\nconsole.log("watchdog");
