// The web page, served by the API itself at / and, for browsers, at each share link (/files/{id}).
// The files under web/ are read once when this module loads: at deploy time that is inside `pulumi up`, so
// the page travels in the serialized Lambda code as a string and the function reads no files at run time.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiResponse } from "./http";

const PAGE_HTML = readFileSync(join(__dirname, "..", "web", "index.html"), "utf8");

/** True when the client prefers HTML to JSON (a browser following a share link). */
export function wantsHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const html = accept.indexOf("text/html");
  const json = accept.indexOf("application/json");
  return html !== -1 && (json === -1 || html < json);
}

/** The page as an HTTP response. */
export function pageResponse(): ApiResponse {
  return {
    status: 200,
    body: PAGE_HTML,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache" },
  };
}
