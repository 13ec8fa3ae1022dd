// Opaque random ids (events, sessions, visitors): 16 base-36 characters from the
// platform's CSPRNG, well inside the wire format's 8..64 of [A-Za-z0-9_.:-].
export const rid = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b % 36).toString(36)).join('')
