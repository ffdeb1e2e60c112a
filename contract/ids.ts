// The shape of a file id, as the API hands it out (handlers/ids.ts makes them) and as clients read it from a link.

/** A file id's characters: 128 random bits, base64url (22 characters), for embedding in a larger pattern. */
export const FILE_ID_CHARS = "[A-Za-z0-9_-]{22}";

/** A whole file id. */
export const FILE_ID = new RegExp(`^${FILE_ID_CHARS}$`);
