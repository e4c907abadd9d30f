// The dtypes a weight matrix can have in compute memory, and their sizes.
//
// float32, bfloat16 and float16 are plain arrays; q8_0 and q4_0 are ggml's block formats (ggml-common.h):
// each row of n values is n/32 blocks, a block an f16 scale d followed by
//   q8_0: 32 int8 q            (34 bytes; value = d · q)
//   q4_0: 16 bytes of nibbles  (18 bytes; value = d · (nibble − 8), low nibbles are values 0..15)
// The numeric codes are the kernels' `kind` argument (kernels/1-matmul.wat).

export type WeightDType = "float32" | "bfloat16" | "float16" | "q8_0" | "q4_0";

export const WEIGHT_DTYPES: readonly WeightDType[] = ["float32", "bfloat16", "float16", "q8_0", "q4_0"];

/** The kernels' code for each dtype. */
export const KIND: { readonly [d in WeightDType]: number } = { float32: 0, bfloat16: 1, float16: 2, q8_0: 3, q4_0: 4 };

/** Values per q8_0 / q4_0 block (ggml's QK8_0 = QK4_0 = 32). */
export const QK = 32;

const BLOCK_BYTES = { q8_0: 34, q4_0: 18 } as const;

export function isWeightDType(d: string): d is WeightDType {
  return (WEIGHT_DTYPES as readonly string[]).includes(d);
}

export function isBlockDType(d: WeightDType): d is "q8_0" | "q4_0" {
  return d === "q8_0" || d === "q4_0";
}

/** Bytes of one row of `n` values. Block dtypes need n % 32 == 0 (see fitsDType). */
export function rowBytes(dtype: WeightDType, n: number): number {
  switch (dtype) {
    case "float32":
      return 4 * n;
    case "bfloat16":
    case "float16":
      return 2 * n;
    default:
      return (n / QK) * BLOCK_BYTES[dtype];
  }
}

/** Whether rows of n values can be stored as `dtype` (ggml's block types need whole blocks of 32). */
export function fitsDType(dtype: WeightDType, n: number): boolean {
  return !isBlockDType(dtype) || n % QK === 0;
}
