// The tracking keys and the admin key, read from the Worker's secrets
// exactly as the native tracker reads its environment:
//   TRACKING_KEY_V<N> (N 1-255)    base64 of 32 bytes, nothing trimmed
//   TRACKING_CURRENT_KEY_VERSION   must name a configured key
//   TRACKING_KEY                   legacy key; also version 1 when no
//                                  versioned key is configured
//   ADMIN_KEY                      bearer token for the admin routes
// Keys are imported as WebCrypto AES-GCM keys once per isolate. A value
// that is not a key is left out and logged as a configuration error that
// names the variable, never the value.
import { call, hexToBytes } from "./core.js";
import { log } from "./log.js";

let keyringPromise = null;

export function keyring(env) {
  keyringPromise ??= loadKeyring(env);
  return keyringPromise;
}

async function importKey(env, name) {
  const text = env[name];
  if (typeof text !== "string") return null;

  const decoded = call("key", { text });
  if (!decoded.ok) {
    log("error", "config", {
      message: `${name} is not base64 of exactly 32 bytes`,
      hint: "set it again to the base64 text of 32 random bytes",
    });
    return null;
  }
  const raw = hexToBytes(decoded.bytes);
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]);
}

async function loadKeyring(env) {
  const versions = new Map();
  for (let n = 1; n <= 255; n++) {
    const key = await importKey(env, `TRACKING_KEY_V${n}`);
    if (key) versions.set(n, key);
  }

  const legacy = await importKey(env, "TRACKING_KEY");
  const anyVersioned = Object.keys(env).some((name) =>
    name.startsWith("TRACKING_KEY_V"),
  );
  if (legacy && !anyVersioned) versions.set(1, legacy);

  checkCurrentVersion(env, versions);
  return { versions, legacy };
}

function checkCurrentVersion(env, versions) {
  const current = env.TRACKING_CURRENT_KEY_VERSION;
  if (current === undefined || versions.has(Number(current))) return;
  log("error", "config", {
    message: `TRACKING_CURRENT_KEY_VERSION '${current}' names no usable key`,
    hint: "set TRACKING_KEY_V<N> for it or change the current version",
  });
}

export function adminKey(env) {
  return typeof env.ADMIN_KEY === "string" ? env.ADMIN_KEY : "";
}
