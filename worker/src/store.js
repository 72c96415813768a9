// D1: every statement's text comes from tools/core/sql.hpp through the core,
// so the Worker and the native tracker run the same SQL on the same schema.
import { constants } from "./core.js";

// One statement per pixel hit (the record_open trigger dedupes, caps and
// inserts atomically).
export async function recordOpen(db, statement) {
  await db
    .prepare(statement.sql)
    .bind(...statement.binds)
    .run();
}

export async function opensForId(db, trackingId) {
  const { sql } = constants();
  const [opens, dropped] = await db.batch([
    db.prepare(sql.opens_for_id).bind(trackingId),
    db.prepare(sql.dropped_for_id).bind(trackingId),
  ]);
  const droppedCount = Object.values(dropped.results[0] ?? {})[0] ?? 0;
  return { opens: opens.results, dropped: droppedCount };
}

export async function listOpens(db, query) {
  const result = await db
    .prepare(query.sql)
    .bind(...query.binds)
    .all();
  return result.results;
}

// The retention purge: both deletes commit together or not at all.
export async function purge(db, statements) {
  const results = await db.batch(
    statements.map((s) => db.prepare(s.sql).bind(...s.binds)),
  );
  return results.map((r) => r.meta.changes);
}
