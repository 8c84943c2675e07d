console.error(new Error("logged warning for alice"));
throw new TypeError("crash for alice");
