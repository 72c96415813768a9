// The gog-track Worker: routes requests and the daily cron. Pixel hits are
// in pixel.js, the admin API in admin.js, D1 in store.js, the rules in the
// C++ core (core.js). docs/worker.md describes the behaviour.
import {
  authorized,
  errorResponse,
  json,
  serveOpens,
  serveQuery,
} from "./admin.js";
import { call, constants, render } from "./core.js";
import { log } from "./log.js";
import { gifResponse, servePixel } from "./pixel.js";
import { purge } from "./store.js";

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const pixel = url.pathname.startsWith("/p/");
    try {
      return await route(request, env, ctx, url);
    } catch (error) {
      log("error", "request", {
        route: routeName(url.pathname),
        error: String(error?.message ?? error),
      });
      return pixel ? gifResponse() : errorResponse("internal error", 500);
    }
  },

  async scheduled(controller, env, ctx) {
    const seconds = Math.floor(controller.scheduledTime / 1000);
    ctx.waitUntil(runPurge(env, seconds));
  },
};

async function route(request, env, ctx, url) {
  if (request.method !== "GET") {
    const response = errorResponse("method not allowed", 405);
    response.headers.set("Allow", "GET");
    return response;
  }
  if (url.pathname.startsWith("/p/")) {
    return servePixel(request, env, ctx, url);
  }

  const target = url.pathname.length + url.search.length;
  if (target > constants().limits.max_target_bytes) {
    return errorResponse("request target too long", 414);
  }
  if (url.pathname === "/health") return json(render("render_health"));

  const admin = url.pathname === "/opens" || url.pathname.startsWith("/q/");
  if (!admin) return errorResponse("not found", 404);
  if (!authorized(request, env)) return errorResponse("unauthorized", 401);

  if (url.pathname === "/opens") return serveOpens(env, url);
  return serveQuery(env, url.pathname.slice("/q/".length));
}

// A route for a log line: never the id in /p/ or /q/ paths.
function routeName(pathname) {
  const prefix = pathname.slice(0, 3);
  if (prefix === "/p/" || prefix === "/q/") return prefix;
  return pathname.slice(0, 32);
}

async function runPurge(env, seconds) {
  const { statements } = call("purge", { now: seconds });
  const [opens, dropped] = await purge(env.DB, statements);
  log("info", "purge", {
    opens_deleted: opens,
    drop_counters_deleted: dropped,
  });
}
