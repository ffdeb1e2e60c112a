// The share link as a QR code, drawn as an SVG path from the modules of qrcode-generator (the `qrcode` function:
// node_modules/qrcode-generator/dist/qrcode.js, inlined ahead of these files and hash-pinned by handlers/page.ts).
// DOM nodes only, no markup strings and no inline style, so the page's CSP needs nothing new.
/* exported renderQr */
/* global qrcode */

const SVG_NS = "http://www.w3.org/2000/svg";
/** The quiet zone around the code, in modules (ISO/IEC 18004 asks for 4). */
const QUIET_ZONE = 4;

/** Replaces `container`'s content with a QR code of `text` (byte mode, error correction M, the smallest version
 *  that holds it). */
function renderQr(container, text) {
  const code = qrcode(0, "M");
  qrcode.stringToBytes = qrcode.stringToBytesFuncs["UTF-8"]; // the default keeps only the low byte of each char
  code.addData(text, "Byte");
  code.make();
  const count = code.getModuleCount();
  const size = count + 2 * QUIET_ZONE;
  let path = "";
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (code.isDark(row, col)) path += "M" + (col + QUIET_ZONE) + " " + (row + QUIET_ZONE) + "h1v1h-1z";
    }
  }
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 " + size + " " + size);
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "QR code of the share link");
  const background = document.createElementNS(SVG_NS, "rect");
  background.setAttribute("width", String(size));
  background.setAttribute("height", String(size));
  background.setAttribute("fill", "#ffffff");
  const modules = document.createElementNS(SVG_NS, "path");
  modules.setAttribute("d", path);
  modules.setAttribute("fill", "#000000");
  svg.append(background, modules);
  container.textContent = "";
  container.append(svg);
}
