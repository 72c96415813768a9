// "Now" in unix seconds. Only a server started with GOG_TEST_CLOCK=1 lets a
// request set it (X-Gog-Test-Now), so tests can place opens in time.
export function now(env, request) {
  if (env.GOG_TEST_CLOCK === "1" && request) {
    const header = request.headers.get("X-Gog-Test-Now");
    if (header !== null && /^-?[0-9]{1,15}$/.test(header)) {
      return Number(header);
    }
  }
  return Math.floor(Date.now() / 1000);
}
