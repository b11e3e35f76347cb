/** Types of bin/buildStamp.js (the entry point's CommonJS helper). */
export declare const STAMP_FILE: string;
export declare function sourceStamp(root?: string): string | undefined;
export declare function buildIsCurrent(root?: string): boolean;
