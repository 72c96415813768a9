// Placeholder router until the core lands; answers /health only.
export default {
  async fetch() {
    return Response.json({ ok: true });
  },
};
