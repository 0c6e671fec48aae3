/**
 * POSIX pax (ustar + extended headers) encoding and a defensive decoder.
 *
 * A segment is a plain pax tar stream: GNU tar, bsdtar and any POSIX pax reader list
 * and extract it on their own. The encoder writes a ustar header for every entry and
 * adds a pax extended header ('x') only when a field does not fit ustar. The decoder
 * walks any tar stream (pax 'x'/'g', ustar, old GNU 'L'/'K' long names) and never
 * throws or loops on hostile bytes: damage comes back as a typed problem with its offset.
 */

export * from './tar-entry';
export * from './tar-encode';
export * from './tar-walk';
