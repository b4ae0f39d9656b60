export declare const SOURCE_CONDITION: '@lifeline/source'
export declare const browserConditions: string[]
export declare const nodeConditions: string[]
