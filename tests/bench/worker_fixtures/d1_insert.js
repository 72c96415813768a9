// Benchmark fixture: the storage ceiling. One plain D1 insert per hit,
// awaited before the pixel goes out; no decoding, no rules.
const GIF = Uint8Array.from(
  "47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b"
    .match(/../g)
    .map((h) => parseInt(h, 16)),
);

export default {
  async fetch(request, env) {
    await env.DB.prepare(
      "INSERT INTO opens (tracking_id, recipient, subject_hash, sent_at, " +
        "opened_at, ip, user_agent, is_bot, bot_type) " +
        "VALUES (?1, 'r@example.com', 'a1b2c3', 0, ?2, ?3, 'bench', 0, 'human')",
    )
      .bind(new URL(request.url).pathname, Date.now(), "127.0.0.1")
      .run();
    return new Response(GIF, { headers: { "Content-Type": "image/gif" } });
  },
};
