// End-to-end encrypted shares (docs/encryption.md): what the server, the CLI and the page agree on. The server
// never sees a key; it only checks that an encrypted share says which coding it uses and that its metadata fits.

/** The value of `encryption` in POST /uploads and POST /shares: RFC 8188's content coding. */
export const ENCRYPTION_CODING = "aes128gcm";

/** The longest `encryptedMetadata`, in characters of base64url (so 3,072 bytes: a 12-byte nonce, at most 3,044
 *  bytes of JSON and a 16-byte tag). */
export const MAX_ENCRYPTED_METADATA_CHARS = 4096;
