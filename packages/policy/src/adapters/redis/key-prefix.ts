/** The namespace of every Redis key and channel the suite uses, unless `keyPrefix` says otherwise. */
export const DEFAULT_KEY_PREFIX = 'rtv:ks:';
