// Structured log lines (Workers observability indexes JSON). Callers pass
// short ids only: never a key, a token or a full tracking id.
export function log(level, event, fields = {}) {
  const line = JSON.stringify({ level, event, ...fields });
  if (level === "error") console.error(line);
  else console.log(line);
}

export function shortId(id) {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}
