;; tensorbook's compute kernels: the arithmetic of the Llama forward and of SGD, in WebAssembly SIMD.
;;
;; Why WebAssembly text: JavaScript has no vector instructions and bounds-checks every typed-array load,
;; so the hot loops live here, written out where a reader can review them. The files of this folder are
;; the parts of one module (scripts/build-wasm.mjs joins them in name order and assembles them with wabt
;; at build time): these helpers, the matmuls, the rest of a Llama layer, SGD's kernels, conversions.
;; The JS side (src/ml/compute/) owns the memory layout, splits work across threads and calls these
;; functions; nothing here allocates.
;;
;; Conventions
;; - One module instance per memory (an "arena", up to 4 GiB, shared between threads). Every pointer is a
;;   byte address in that memory; addresses are compared unsigned (arenas reach past 2 GiB).
;; - Bytes [0, 262144) of every arena hold ggml's f16 → f32 table (65536 floats, ggml_table_f32_f16): the
;;   quantized kernels read block scales through it, as ggml does where the CPU has no F16C.
;;   Bytes [262144, 262160) are the kernels' 16-byte scratch (see $dot1).
;; - Work is split by the caller into item ranges [i0, i1): a thread computes its own range and touches
;;   no other output, so the same inputs give the same bits whatever the thread count.
;; - Weight matrices are stored as nn.Linear stores them: (d rows, n columns), row-major, one row per
;;   output feature. Matmuls compute out[r, i] = Σ_j w[i, j] · x[r, j] for rows i of the range.
;;
;; Weight kinds (the `kind` argument): 0 f32, 1 bf16, 2 f16, 3 q8_0, 4 q4_0 (ggml's block formats:
;; q8_0 = f16 scale + 32 int8; q4_0 = f16 scale + 16 bytes of nibbles, low nibbles are elements 0..15).
;; For q8_0 and q4_0 weights, x is not f32 but its q8_0 quantization ($quantize_q8_0), as ggml's
;; vec_dot_q8_0_q8_0 and vec_dot_q4_0_q8_0 take it: the dot products run on 8-bit integers. Its blocks
;; are kept "widened" (68 bytes: the f16-rounded scale as an f32, then the 32 int8 values as int16), so
;; that every weight row shares one widening of x and the products go through i32x4.dot_i16x8_s
;; (measured: a third faster than widening both sides per row).
;;
;; Relaxed SIMD: where the engine has it (Node 22+; Node 20 behind --experimental-wasm-relaxed-simd),
;; the functions marked (@variant relaxed) replace their namesakes (scripts/build-wasm.mjs builds
;; kernels.relaxed.wasm; src/ml/compute/module.ts picks it when WebAssembly.validate accepts it). There
;; x's blocks hold |q| and the sign of q instead of q widened, and each block's dot product is two
;; i16x8.relaxed_dot_i8x16_i7x16_s, as ggml's x86 code pairs _mm_sign_epi8 with _mm_maddubs_epi16: the
;; 7-bit operand |q| keeps the instruction's result exact and the same on every engine.
;; For bf16 and f16 weights, x is f32 in "pair-split" order ($split_pairs): in every group of 8 values the
;; even-indexed ones first, then the odd ones, so that one 16-byte load of 8 half-precision weights gives
;; the even weights (low halves of each 32-bit lane) and the odd weights (high halves) as two f32x4 with
;; one shift or mask each, each lined up with a plain load of x.
;;
;; This part: the module's memory, the scratch, and the small helpers the kernels inline (scripts/wat-inline.mjs).
(module
  (import "env" "memory" (memory 1 65536 shared))

  (global $SCRATCH i32 (i32.const 262144))

  ;; ── small helpers ──────────────────────────────────────────────────────────────────────────────────

  ;; the four lanes of an f32x4, summed
  (func $hsum (@inline) (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; the f16 at $at as f32, through the table at address 0
  (func $f16 (@inline) (param $at i32) (result f32)
    (f32.load (i32.shl (i32.load16_u (local.get $at)) (i32.const 2))))

  ;; f32 → f16 bits, round to nearest even (overflow → inf, NaN → quiet NaN); Fabian Giesen's
  ;; float_to_half_fast3_rtne, the rounding of F16C's vcvtps2ph and of numpy's float16 cast
  (func $f32_to_f16 (param $f f32) (result i32)
    (local $u i32) (local $sign i32)
    (local.set $u (i32.reinterpret_f32 (local.get $f)))
    (local.set $sign (i32.and (i32.shr_u (local.get $u) (i32.const 16)) (i32.const 0x8000)))
    (local.set $u (i32.and (local.get $u) (i32.const 0x7fffffff)))
    (if (result i32) (i32.ge_u (local.get $u) (i32.const 0x47800000)) ;; ≥ 65536: inf, or NaN
      (then (i32.or (local.get $sign)
        (select (i32.const 0x7e00) (i32.const 0x7c00) (i32.gt_u (local.get $u) (i32.const 0x7f800000)))))
      (else (if (result i32) (i32.lt_u (local.get $u) (i32.const 0x38800000)) ;; < 2^-14: subnormal or zero
        ;; adding 0.5 puts the 10 mantissa bits at the bottom, rounded to nearest even by the FPU
        (then (i32.or (local.get $sign)
          (i32.sub (i32.reinterpret_f32 (f32.add (f32.reinterpret_i32 (local.get $u)) (f32.const 0.5)))
                   (i32.const 0x3f000000))))
        ;; rebias the exponent; 0xfff plus the odd bit rounds to nearest even
        (else (i32.or (local.get $sign)
          (i32.shr_u
            (i32.add (i32.add (local.get $u) (i32.const 0xc8000fff))
                     (i32.and (i32.shr_u (local.get $u) (i32.const 13)) (i32.const 1)))
            (i32.const 13))))))))

  ;; f16 → f32 for four values held in the low 16 bits of each i32 lane (the high bits are ignored):
  ;; the exponent/mantissa shifted into place and scaled by 2^112 rebias normals and subnormals exactly;
  ;; exponent 31 (inf, NaN) is set apart
  (func $f16x4 (@inline) (param $h v128) (result v128)
    (local $em v128) (local $f v128)
    (local.set $em (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)))
    (local.set $f (f32x4.mul (local.get $em) (v128.const i32x4 0x77800000 0x77800000 0x77800000 0x77800000)))
    (local.set $f (v128.bitselect
      (v128.or (local.get $em) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
      (local.get $f)
      (i32x4.ge_u (local.get $em) (v128.const i32x4 0x0f800000 0x0f800000 0x0f800000 0x0f800000))))
    (v128.or (local.get $f)
      (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))

  ;; e^x for four floats (Cephes' expf: x = k·ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial for e^r, then
  ;; 2^k through the exponent bits); within 2 ulp of expf over [-87.3, 88.3]. x is clamped to that range
  ;; so that 2^k stays a normal float: below it the result is e^-87.3 ≈ 1.2e-38 (softmax and silu only
  ;; add it to numbers near 1), above it e^88.3
  (func $exp4 (@inline) (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3))
                             (v128.const f32x4 88.3 88.3 88.3 88.3)))
    (local.set $k (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
    ;; r = x - k·ln2, ln2 in two parts so that k·C1 is exact
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $k) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $k) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    ;; e^r = 1 + r + r²·p
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $r) (local.get $r)) (local.get $p)) (local.get $r))
                             (v128.const f32x4 1 1 1 1)))
    ;; · 2^k: k + 127 in the exponent field (k ≥ -126 after the clamp)
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

  ;; Σ of the 32 products of one weight block's int8 values (two int8x16) with a widened x block at $x
  ;; (32 int16 at $x + 4), as i32x4. |w·x| ≤ 128·127, so pairs fit in i32 lanes.
  (func $dot_block (@inline) (param $lo v128) (param $hi v128) (param $x i32) (result v128)
    (i32x4.add
      (i32x4.add (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $lo)) (v128.load offset=4 (local.get $x)))
                 (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $lo)) (v128.load offset=20 (local.get $x))))
      (i32x4.add (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $hi)) (v128.load offset=36 (local.get $x)))
                 (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $hi)) (v128.load offset=52 (local.get $x))))))

  ;; the same sum from a relaxed x block: |q| at $x + 4 (32 bytes), q < 0 as byte masks at $x + 36; each
  ;; weight takes the sign of its q (weights are never -128: ggml's quantizers stop at ±127). Pairs of
  ;; products fit in i16 (2·127·127). Not i32x4.relaxed_dot_i8x16_i7x16_add_s: V8 11.3 (Node 20, behind
  ;; its flag) returns twice the dot product for it (measured: [-3,5,-7,2]·[2,3,4,5] gave -18, not -9)
  (func $dot_block (@variant relaxed) (@inline) (param $lo v128) (param $hi v128) (param $x i32) (result v128)
    (i32x4.add
      (i32x4.extadd_pairwise_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s
        (v128.bitselect (i8x16.neg (local.get $lo)) (local.get $lo) (v128.load offset=36 (local.get $x)))
        (v128.load offset=4 (local.get $x))))
      (i32x4.extadd_pairwise_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s
        (v128.bitselect (i8x16.neg (local.get $hi)) (local.get $hi) (v128.load offset=52 (local.get $x)))
        (v128.load offset=20 (local.get $x))))))
)
