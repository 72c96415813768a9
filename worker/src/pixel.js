// GET /p/<id>.gif: the GIF goes out at once; the open is recorded after the
// response (ctx.waitUntil) with exactly one D1 statement. Nothing that goes
// wrong while recording changes the answer.
import { now } from "./clock.js";
import { call, constants } from "./core.js";
import { openId } from "./ids.js";
import { keyring } from "./keys.js";
import { log, shortId } from "./log.js";
import { recordOpen } from "./store.js";

// The 43-byte transparent 1x1 GIF (tests/data/tracking-ids.json).
const GIF = new Uint8Array([
  0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00,
  0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00,
  0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02,
  0x44, 0x01, 0x00, 0x3b,
]);

export function gifResponse() {
  return new Response(GIF, {
    headers: {
      "Content-Type": "image/gif",
      "Cache-Control": "no-store, no-cache, must-revalidate, max-age=0",
      Pragma: "no-cache",
      Expires: "0",
    },
  });
}

// The id is everything after "/p/" up to a final ".gif"; it may contain
// anything, since the core rejects what cannot be an id.
export function pixelId(pathname) {
  const rest = pathname.slice("/p/".length);
  return rest.endsWith(".gif") ? rest.slice(0, -".gif".length) : rest;
}

export function servePixel(request, env, ctx, url) {
  const hit = {
    id: pixelId(url.pathname),
    ip: request.headers.get("CF-Connecting-IP") ?? "unknown",
    ua: request.headers.get("User-Agent") ?? "",
    now: now(env, request),
    oversized: url.pathname.length + url.search.length > maxTarget(),
  };
  ctx.waitUntil(record(env, hit).catch((error) => failed(hit, error)));
  return gifResponse();
}

function maxTarget() {
  return constants().limits.max_target_bytes;
}

async function record(env, hit) {
  const refused = refusal(hit);
  if (refused) return log("info", "pixel", { outcome: refused });

  const opened = await openId(hit.id, await keyring(env));
  if (!opened.payload) {
    return log("info", "pixel", {
      outcome: "invalid id",
      id: shortId(hit.id),
      why: opened.why,
    });
  }

  const { r, s, t } = opened.payload;
  const statement = call("record", {
    tracking_id: opened.canonical,
    r,
    s,
    t,
    ip: hit.ip,
    ua: hit.ua,
    now: hit.now,
  });
  await recordOpen(env.DB, statement);
}

// Oversized requests are answered but never decoded or stored.
function refusal(hit) {
  if (hit.oversized) return "request target too long";
  const limit = constants().limits.max_user_agent_bytes;
  if (new TextEncoder().encode(hit.ua).length > limit) {
    return "user agent too long";
  }
  return null;
}

function failed(hit, error) {
  log("error", "pixel", {
    outcome: "not recorded",
    id: shortId(hit.id),
    error: String(error?.message ?? error),
  });
}
