// Benchmark fixture: the runtime's ceiling. Answers the pixel and nothing
// else, so the Worker's figures can be read as a share of what workerd can
// serve at all.
const GIF = Uint8Array.from(
  "47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b"
    .match(/../g)
    .map((h) => parseInt(h, 16)),
);

export default {
  async fetch() {
    return new Response(GIF, { headers: { "Content-Type": "image/gif" } });
  },
};
