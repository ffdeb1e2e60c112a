// Types for the parts of http_ece (RFC 8188 by its author, used by web-push; no types of its own) that the
// interoperability tests call: aes128gcm with a raw key.
declare module "http_ece" {
  interface Params {
    version?: "aes128gcm";
    key: Buffer;
    salt?: Buffer;
    rs?: number;
    pad?: number;
    keyid?: string;
  }
  export function encrypt(buffer: Buffer, params: Params): Buffer;
  export function decrypt(buffer: Buffer, params: Params): Buffer;
}
