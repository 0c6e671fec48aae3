/**
 * A colour per LTO generation for the media-code cells, so that sheets (and shelves) of
 * different generations are told apart at a glance. This is this tool's own palette,
 * not a vendor's; a WORM code shares the colour of its generation.
 */
const BY_MEDIA_CODE: Readonly<Record<string, string>> = {
  L5: '#9b2335',
  LV: '#9b2335',
  L6: '#2e2e2e',
  LW: '#2e2e2e',
  L7: '#5b3a8e',
  LX: '#5b3a8e',
  M8: '#1f5f99',
  L8: '#1e7a46',
  LY: '#1e7a46',
  L9: '#0f6f78',
  LZ: '#0f6f78',
  LA: '#b35a00',
  PA: '#8a4500',
};

/** Unknown media codes (a newer generation) print in a neutral grey. */
const UNKNOWN = '#6b6b6b';

export const mediaCodeColour = (mediaCode: string): string => BY_MEDIA_CODE[mediaCode] ?? UNKNOWN;
