// The admin routes: GET /q/<id> and GET /opens, behind the Bearer check
// (constant time, in the core).
import { call, render } from "./core.js";
import { openId } from "./ids.js";
import { adminKey, keyring } from "./keys.js";
import { listOpens, opensForId } from "./store.js";

export function json(body, status = 200) {
  return new Response(body, {
    status,
    headers: {
      "Content-Type": "application/json",
      "Cache-Control": "no-store",
    },
  });
}

export function errorResponse(message, status) {
  return json(render("render_error", { message }), status);
}

export function authorized(request, env) {
  const authorization = request.headers.get("Authorization") ?? "";
  return call("bearer", { authorization, admin_key: adminKey(env) }).ok;
}

export async function serveQuery(env, id) {
  const opened = await openId(id, await keyring(env));
  if (!opened.payload) {
    return errorResponse("tracking id does not decode", 400);
  }

  const { opens, dropped } = await opensForId(env.DB, opened.canonical);
  const body = render("render_query", {
    ...opened.payload,
    opens,
    dropped,
  });
  return json(body);
}

export async function serveOpens(env, url) {
  const query = call("opens_query", { query: url.search.slice(1) });
  if (!query.ok) return errorResponse(query.error, 400);

  const opens = await listOpens(env.DB, query);
  return json(render("render_opens", { opens, limit: query.limit }));
}
