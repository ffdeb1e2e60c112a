// The web page, served by the API itself at / and, for browsers, at each share link (/files/{id}).
// web/index.html, web/styles.css and the scripts in web/js/ are read once when this module loads and inlined into one HTML
// string: at deploy time that happens inside `pulumi up`, so the page travels in the serialized Lambda code as
// a constant and the function reads no files at run time. The inline script and style are pinned by hash in a
// strict Content-Security-Policy, so nothing else can run on the page. The stack's limits go into the page as a
// JSON data block (<script type="application/json">, which browsers never execute, so CSP does not apply), so
// the page offers only what the server accepts.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pageLimits, RuntimeConfig } from "../config/runtime";
import { ApiResponse } from "./http";

const WEB_DIR = join(__dirname, "..", "web");
const read = (name: string) => readFileSync(join(WEB_DIR, name), "utf8");

/** `html` before and after the one occurrence of `tag`, or fails loudly at load time (a test then fails). */
function around(html: string, tag: string): [string, string] {
  const at = html.indexOf(tag);
  if (at === -1 || html.indexOf(tag, at + 1) !== -1) throw new Error(`web/index.html must contain ${tag} once`);
  return [html.slice(0, at), html.slice(at + tag.length)];
}

/** Replaces exactly one occurrence of `tag` in `html`. */
function inline(html: string, tag: string, replacement: string): string {
  const [before, after] = around(html, tag);
  return before + replacement + after;
}

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/** The page's script, in the order it runs: web/js/ holds one file per job (shared helpers, each view, the start),
 *  joined here into ONE script in one function scope, so the page still runs a single hash-pinned script. */
export const SCRIPT_FILES = [
  "js/common.js",
  "js/qr.js",
  "js/paths.js",
  "js/pick.js",
  "js/upload-view.js",
  "js/share-upload.js",
  "js/share-view.js",
  "js/share-files.js",
  "js/multipart.js",
  "js/auth.js",
  // The end-to-end encryption core (RFC 8188 and the metadata), after auth.js whose base64url it uses.
  "js/ece.js",
  // What the page encrypts when it uploads (uses ece.js).
  "js/encrypt-upload.js",
  // Saving an encrypted share's files decrypted (after ece.js, whose stream it uses).
  "js/encrypted-save.js",
  "js/my-files.js",
  "js/unlock.js",
  "js/start.js",
];

/** The QR code library web/js/qr.js draws with (the devDependency qrcode-generator, a plain script defining
 *  `qrcode`), read from node_modules here, so at `pulumi up` and `npm start` alike, and pinned to the bytes that
 *  were reviewed: another version or an edited copy stops the page from loading until this hash is updated. */
const QR_LIBRARY = readFileSync(require.resolve("qrcode-generator"), "utf8");
export const QR_LIBRARY_SHA256 = "79ec86f82856005b1c887905cfccfcfbec3821ca61c7fd5a952faa5f778f791c";
if (createHash("sha256").update(QR_LIBRARY, "utf8").digest("hex") !== QR_LIBRARY_SHA256) {
  throw new Error(
    `node_modules/qrcode-generator is not version 2.0.4 as reviewed (sha256 ${QR_LIBRARY_SHA256}): run npm ci`,
  );
}

/** The page's script as served: the QR library and the files of SCRIPT_FILES in one strict-mode function, "</"
 *  escaped (inside the inlined text it would end the element early). */
export const SCRIPT = ['(function () {\n"use strict";\n', QR_LIBRARY, ...SCRIPT_FILES.map(read), "})();\n"]
  .join("\n")
  .replace(/<\//g, "<\\/");
const STYLE = read("styles.css").replace(/<\//g, "<\\/");

const LIMITS_TAG = '<script type="application/json" id="limits"></script>';
const PAGE_HTML = inline(
  inline(read("index.html"), '<link rel="stylesheet" href="styles.css" />', `<style>\n${STYLE}</style>`),
  '<script src="js/page.js"></script>',
  `<script>\n${SCRIPT}</script>`,
);
// The page around its limits block: plain strings, so the serialized Lambda code carries them by value and
// each response is two concatenations.
const [PAGE_BEFORE_LIMITS, PAGE_AFTER_LIMITS] = around(PAGE_HTML, LIMITS_TAG);

/** The page's HTML for a stack. "<" is escaped in the JSON: "</script>" inside it would end the block. */
export function pageHtml(config: RuntimeConfig): string {
  const json = JSON.stringify(pageLimits(config)).replace(/</g, "\\u003c");
  return `${PAGE_BEFORE_LIMITS}<script type="application/json" id="limits">${json}</script>${PAGE_AFTER_LIMITS}`;
}

// Hashes of the one inline script and style, computed once (the page's text is fixed at build time).
const SCRIPT_HASH = sha256(`\n${SCRIPT}`);
const STYLE_HASH = sha256(`\n${STYLE}`);

/**
 * The page's Content-Security-Policy for a stack. connect-src: the API itself ('self'), exactly the origin of
 * the stack's pre-signed S3 URLs (its bucket's endpoint; locally the local S3 server) and, with sign-in, the
 * origin of the token endpoint (the page exchanges and refreshes tokens there), nothing else. Downloads and the
 * sign-in and sign-out pages are navigations, which connect-src does not govern. frame-src: the bucket's origin
 * only, for "Download all" of a share of several files, which starts each file's download in a hidden sandboxed
 * frame (web/js/share-files.js).
 */
export function pageCsp(bucketOrigin: string, tokenEndpoint = ""): string {
  const tokenOrigin = tokenEndpoint === "" ? "" : ` ${new URL(tokenEndpoint).origin}`;
  return [
    "default-src 'none'",
    `script-src ${SCRIPT_HASH}`,
    `style-src ${STYLE_HASH}`,
    "img-src data:",
    `connect-src 'self' ${bucketOrigin}${tokenOrigin}`,
    `frame-src ${bucketOrigin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** How much an Accept header wants `type` (its q, 0-1) and the position of the range that decided it: the most
 *  specific matching range counts (text/html over text/* over *\/*), as RFC 9110 section 12.5.1 says. */
function preference(ranges: { range: string; q: number }[], type: string): { q: number; at: number } {
  const [major] = type.split("/");
  let best = { q: 0, at: ranges.length, specificity: -1 };
  ranges.forEach(({ range, q }, at) => {
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === "*/*" ? 0 : -1;
    if (specificity > best.specificity) best = { q, at, specificity };
  });
  return { q: best.q, at: best.at };
}

/** True when the client prefers HTML to JSON (a browser following a share link). q-values count; at equal q the
 *  range named first wins, and a bare wildcard (curl's *\/*) gets JSON. */
export function wantsHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = accept.split(",").flatMap((part) => {
    const [range = "", ...params] = part.split(";").map((p) => p.trim().toLowerCase());
    if (range === "") return [];
    const qParam = params.find((p) => /^q\s*=/.test(p));
    const q = qParam === undefined ? 1 : Number(qParam.slice(qParam.indexOf("=") + 1).trim());
    return [{ range, q: Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0 }];
  });
  const html = preference(ranges, "text/html");
  const json = preference(ranges, "application/json");
  return html.q > 0 && (html.q > json.q || (html.q === json.q && html.at < json.at));
}

/** The page, with this stack's limits, as an HTTP response. */
export function pageResponse({ config, bucketOrigin }: { config: RuntimeConfig; bucketOrigin: string }): ApiResponse {
  return {
    status: 200,
    body: pageHtml(config),
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-cache",
      // The same URL answers JSON to fetch() and HTML to a browser: caches must keep them apart.
      Vary: "Accept, Origin",
      "Content-Security-Policy": pageCsp(bucketOrigin, config.authTokenEndpoint),
      "Referrer-Policy": "no-referrer",
      "X-Frame-Options": "DENY",
    },
  };
}
