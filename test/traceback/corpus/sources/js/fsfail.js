import { readFileSync } from "node:fs";

function loadConfig(path) {
  return readFileSync(path, "utf8");
}

loadConfig("/home/alice/missing-config.json");
