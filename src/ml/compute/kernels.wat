;; tensorbook's compute kernels: the arithmetic of the Llama forward and of SGD, in WebAssembly SIMD.
;;
;; Why WebAssembly text: JavaScript has no vector instructions and bounds-checks every typed-array load,
;; so the hot loops live here, written out where a reader can review them (scripts/build-wasm.mjs
;; assembles this file with wabt at build time). The JS side (src/ml/compute/) owns the memory layout,
;; splits work across threads and calls these functions; nothing here allocates.
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
;; For bf16 and f16 weights, x is f32 in "pair-split" order ($split_pairs): in every group of 8 values the
;; even-indexed ones first, then the odd ones, so that one 16-byte load of 8 half-precision weights gives
;; the even weights (low halves of each 32-bit lane) and the odd weights (high halves) as two f32x4 with
;; one shift or mask each, each lined up with a plain load of x.
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

  ;; ── dot products of four weight rows with one row of x ────────────────────────────────────────────
  ;; $dot4_<kind>(out, x, w0, stride, n): out[0..3] = Σ_j w_k[j] · x[j] for the rows w_k = w0 + k·stride.
  ;; Four rows share each load of x; the four sums are independent.

  (func $dot4_f32 (param $out i32) (param $x i32) (param $w0 i32) (param $stride i32) (param $n i32)
    (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $j i32) (local $vec i32) (local $all i32)
    (local $xv v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $s0 f32) (local $s1 f32) (local $s2 f32) (local $s3 f32) (local $xs f32)
    (local.set $w1 (i32.add (local.get $w0) (local.get $stride)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $stride)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $stride)))
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vec (i32.and (local.get $all) (i32.const -16)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
      (local.set $xv (v128.load (i32.add (local.get $x) (local.get $j))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $w0) (local.get $j))) (local.get $xv))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load (i32.add (local.get $w1) (local.get $j))) (local.get $xv))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load (i32.add (local.get $w2) (local.get $j))) (local.get $xv))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load (i32.add (local.get $w3) (local.get $j))) (local.get $xv))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $next)))
    (local.set $s0 (call $hsum (local.get $a0)))
    (local.set $s1 (call $hsum (local.get $a1)))
    (local.set $s2 (call $hsum (local.get $a2)))
    (local.set $s3 (call $hsum (local.get $a3)))
    (block $done (loop $next ;; the last n % 4 columns
      (br_if $done (i32.ge_u (local.get $j) (local.get $all)))
      (local.set $xs (f32.load (i32.add (local.get $x) (local.get $j))))
      (local.set $s0 (f32.add (local.get $s0) (f32.mul (f32.load (i32.add (local.get $w0) (local.get $j))) (local.get $xs))))
      (local.set $s1 (f32.add (local.get $s1) (f32.mul (f32.load (i32.add (local.get $w1) (local.get $j))) (local.get $xs))))
      (local.set $s2 (f32.add (local.get $s2) (f32.mul (f32.load (i32.add (local.get $w2) (local.get $j))) (local.get $xs))))
      (local.set $s3 (f32.add (local.get $s3) (f32.mul (f32.load (i32.add (local.get $w3) (local.get $j))) (local.get $xs))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))
    (f32.store offset=0 (local.get $out) (local.get $s0))
    (f32.store offset=4 (local.get $out) (local.get $s1))
    (f32.store offset=8 (local.get $out) (local.get $s2))
    (f32.store offset=12 (local.get $out) (local.get $s3)))

  ;; bf16 weights: a bf16 is the top half of an f32, so the odd weights of a 16-byte load are its lanes with
  ;; the low halves masked off, the even ones its lanes shifted up by 16. x is pair-split.
  (func $dot4_bf16 (param $out i32) (param $x i32) (param $w0 i32) (param $stride i32) (param $n i32)
    (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $j i32) (local $vec i32) (local $all i32)
    (local $xe v128) (local $xo v128) (local $wv v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $s0 f32) (local $s1 f32) (local $s2 f32) (local $s3 f32) (local $xs f32) (local $jx i32)
    (local.set $w1 (i32.add (local.get $w0) (local.get $stride)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $stride)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $stride)))
    (local.set $all (i32.shl (local.get $n) (i32.const 1))) ;; weight bytes; x bytes are twice these
    (local.set $vec (i32.and (local.get $all) (i32.const -16)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
      (local.set $jx (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 1))))
      (local.set $xe (v128.load (local.get $jx)))
      (local.set $xo (v128.load offset=16 (local.get $jx)))
      (local.set $wv (v128.load (i32.add (local.get $w0) (local.get $j))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (i32x4.shl (local.get $wv) (i32.const 16)) (local.get $xe))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.and (local.get $wv) (v128.const i32x4 0xffff0000 0xffff0000 0xffff0000 0xffff0000)) (local.get $xo))))
      (local.set $wv (v128.load (i32.add (local.get $w1) (local.get $j))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (i32x4.shl (local.get $wv) (i32.const 16)) (local.get $xe))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.and (local.get $wv) (v128.const i32x4 0xffff0000 0xffff0000 0xffff0000 0xffff0000)) (local.get $xo))))
      (local.set $wv (v128.load (i32.add (local.get $w2) (local.get $j))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (i32x4.shl (local.get $wv) (i32.const 16)) (local.get $xe))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.and (local.get $wv) (v128.const i32x4 0xffff0000 0xffff0000 0xffff0000 0xffff0000)) (local.get $xo))))
      (local.set $wv (v128.load (i32.add (local.get $w3) (local.get $j))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (i32x4.shl (local.get $wv) (i32.const 16)) (local.get $xe))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.and (local.get $wv) (v128.const i32x4 0xffff0000 0xffff0000 0xffff0000 0xffff0000)) (local.get $xo))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $next)))
    (local.set $s0 (call $hsum (local.get $a0)))
    (local.set $s1 (call $hsum (local.get $a1)))
    (local.set $s2 (call $hsum (local.get $a2)))
    (local.set $s3 (call $hsum (local.get $a3)))
    (block $done (loop $next ;; the last n % 8 columns (not pair-split: $split_pairs leaves them in order)
      (br_if $done (i32.ge_u (local.get $j) (local.get $all)))
      (local.set $xs (f32.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 1)))))
      (local.set $s0 (f32.add (local.get $s0) (f32.mul (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $w0) (local.get $j))) (i32.const 16))) (local.get $xs))))
      (local.set $s1 (f32.add (local.get $s1) (f32.mul (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $w1) (local.get $j))) (i32.const 16))) (local.get $xs))))
      (local.set $s2 (f32.add (local.get $s2) (f32.mul (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $w2) (local.get $j))) (i32.const 16))) (local.get $xs))))
      (local.set $s3 (f32.add (local.get $s3) (f32.mul (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $w3) (local.get $j))) (i32.const 16))) (local.get $xs))))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $next)))
    (f32.store offset=0 (local.get $out) (local.get $s0))
    (f32.store offset=4 (local.get $out) (local.get $s1))
    (f32.store offset=8 (local.get $out) (local.get $s2))
    (f32.store offset=12 (local.get $out) (local.get $s3)))

  ;; f16 weights: the even weights of a 16-byte load are the low halves of its lanes, the odd ones the
  ;; high halves; $f16x4 widens each. x is pair-split.
  (func $dot4_f16 (param $out i32) (param $x i32) (param $w0 i32) (param $stride i32) (param $n i32)
    (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $j i32) (local $vec i32) (local $all i32)
    (local $xe v128) (local $xo v128) (local $wv v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $s0 f32) (local $s1 f32) (local $s2 f32) (local $s3 f32) (local $xs f32) (local $jx i32)
    (local.set $w1 (i32.add (local.get $w0) (local.get $stride)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $stride)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $stride)))
    (local.set $all (i32.shl (local.get $n) (i32.const 1)))
    (local.set $vec (i32.and (local.get $all) (i32.const -16)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
      (local.set $jx (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 1))))
      (local.set $xe (v128.load (local.get $jx)))
      (local.set $xo (v128.load offset=16 (local.get $jx)))
      (local.set $wv (v128.load (i32.add (local.get $w0) (local.get $j))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (call $f16x4 (local.get $wv)) (local.get $xe))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (call $f16x4 (i32x4.shr_u (local.get $wv) (i32.const 16))) (local.get $xo))))
      (local.set $wv (v128.load (i32.add (local.get $w1) (local.get $j))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (call $f16x4 (local.get $wv)) (local.get $xe))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (call $f16x4 (i32x4.shr_u (local.get $wv) (i32.const 16))) (local.get $xo))))
      (local.set $wv (v128.load (i32.add (local.get $w2) (local.get $j))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (call $f16x4 (local.get $wv)) (local.get $xe))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (call $f16x4 (i32x4.shr_u (local.get $wv) (i32.const 16))) (local.get $xo))))
      (local.set $wv (v128.load (i32.add (local.get $w3) (local.get $j))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (call $f16x4 (local.get $wv)) (local.get $xe))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (call $f16x4 (i32x4.shr_u (local.get $wv) (i32.const 16))) (local.get $xo))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $next)))
    (local.set $s0 (call $hsum (local.get $a0)))
    (local.set $s1 (call $hsum (local.get $a1)))
    (local.set $s2 (call $hsum (local.get $a2)))
    (local.set $s3 (call $hsum (local.get $a3)))
    (block $done (loop $next ;; the last n % 8 columns, in order
      (br_if $done (i32.ge_u (local.get $j) (local.get $all)))
      (local.set $xs (f32.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 1)))))
      (local.set $s0 (f32.add (local.get $s0) (f32.mul (call $f16 (i32.add (local.get $w0) (local.get $j))) (local.get $xs))))
      (local.set $s1 (f32.add (local.get $s1) (f32.mul (call $f16 (i32.add (local.get $w1) (local.get $j))) (local.get $xs))))
      (local.set $s2 (f32.add (local.get $s2) (f32.mul (call $f16 (i32.add (local.get $w2) (local.get $j))) (local.get $xs))))
      (local.set $s3 (f32.add (local.get $s3) (f32.mul (call $f16 (i32.add (local.get $w3) (local.get $j))) (local.get $xs))))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $next)))
    (f32.store offset=0 (local.get $out) (local.get $s0))
    (f32.store offset=4 (local.get $out) (local.get $s1))
    (f32.store offset=8 (local.get $out) (local.get $s2))
    (f32.store offset=12 (local.get $out) (local.get $s3)))

  ;; q8_0 weights · q8_0 activations (ggml_vec_dot_q8_0_q8_0): per block of 32, the integer dot product
  ;; times d_w·d_x, kept in four f32 lanes (as ggml's AVX2 code keeps eight) and summed at the end.
  (func $dot4_q8_0 (param $out i32) (param $x i32) (param $w0 i32) (param $stride i32) (param $n i32)
    (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $end i32)
    (local $dx f32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $w1 (i32.add (local.get $w0) (local.get $stride)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $stride)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $stride)))
    (local.set $end (i32.add (local.get $x) (i32.mul (i32.shr_u (local.get $n) (i32.const 5)) (i32.const 68))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $dx (f32.load (local.get $x)))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
        (f32x4.convert_i32x4_s (call $dot_block (v128.load offset=2 (local.get $w0)) (v128.load offset=18 (local.get $w0)) (local.get $x)))
        (f32x4.splat (f32.mul (call $f16 (local.get $w0)) (local.get $dx))))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul
        (f32x4.convert_i32x4_s (call $dot_block (v128.load offset=2 (local.get $w1)) (v128.load offset=18 (local.get $w1)) (local.get $x)))
        (f32x4.splat (f32.mul (call $f16 (local.get $w1)) (local.get $dx))))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul
        (f32x4.convert_i32x4_s (call $dot_block (v128.load offset=2 (local.get $w2)) (v128.load offset=18 (local.get $w2)) (local.get $x)))
        (f32x4.splat (f32.mul (call $f16 (local.get $w2)) (local.get $dx))))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul
        (f32x4.convert_i32x4_s (call $dot_block (v128.load offset=2 (local.get $w3)) (v128.load offset=18 (local.get $w3)) (local.get $x)))
        (f32x4.splat (f32.mul (call $f16 (local.get $w3)) (local.get $dx))))))
      (local.set $x (i32.add (local.get $x) (i32.const 68)))
      (local.set $w0 (i32.add (local.get $w0) (i32.const 34)))
      (local.set $w1 (i32.add (local.get $w1) (i32.const 34)))
      (local.set $w2 (i32.add (local.get $w2) (i32.const 34)))
      (local.set $w3 (i32.add (local.get $w3) (i32.const 34)))
      (br $next)))
    (f32.store offset=0 (local.get $out) (call $hsum (local.get $a0)))
    (f32.store offset=4 (local.get $out) (call $hsum (local.get $a1)))
    (f32.store offset=8 (local.get $out) (call $hsum (local.get $a2)))
    (f32.store offset=12 (local.get $out) (call $hsum (local.get $a3))))

  ;; q4_0 nibbles of one block → the 32 weights as two int8x16 (elements 0..15, then 16..31), minus 8
  (func $nibbles_lo (@inline) (param $v v128) (result v128)
    (i8x16.sub (v128.and (local.get $v) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
               (v128.const i8x16 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8)))
  (func $nibbles_hi (@inline) (param $v v128) (result v128)
    (i8x16.sub (i8x16.shr_u (local.get $v) (i32.const 4))
               (v128.const i8x16 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8 8)))

  ;; q4_0 weights · q8_0 activations (ggml_vec_dot_q4_0_q8_0)
  (func $dot4_q4_0 (param $out i32) (param $x i32) (param $w0 i32) (param $stride i32) (param $n i32)
    (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $end i32) (local $q v128)
    (local $dx f32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $w1 (i32.add (local.get $w0) (local.get $stride)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $stride)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $stride)))
    (local.set $end (i32.add (local.get $x) (i32.mul (i32.shr_u (local.get $n) (i32.const 5)) (i32.const 68))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $dx (f32.load (local.get $x)))
      (local.set $q (v128.load offset=2 (local.get $w0)))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
        (f32x4.convert_i32x4_s (call $dot_block (call $nibbles_lo (local.get $q)) (call $nibbles_hi (local.get $q)) (local.get $x)))
        (f32x4.splat (f32.mul (call $f16 (local.get $w0)) (local.get $dx))))))
      (local.set $q (v128.load offset=2 (local.get $w1)))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul
        (f32x4.convert_i32x4_s (call $dot_block (call $nibbles_lo (local.get $q)) (call $nibbles_hi (local.get $q)) (local.get $x)))
        (f32x4.splat (f32.mul (call $f16 (local.get $w1)) (local.get $dx))))))
      (local.set $q (v128.load offset=2 (local.get $w2)))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul
        (f32x4.convert_i32x4_s (call $dot_block (call $nibbles_lo (local.get $q)) (call $nibbles_hi (local.get $q)) (local.get $x)))
        (f32x4.splat (f32.mul (call $f16 (local.get $w2)) (local.get $dx))))))
      (local.set $q (v128.load offset=2 (local.get $w3)))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul
        (f32x4.convert_i32x4_s (call $dot_block (call $nibbles_lo (local.get $q)) (call $nibbles_hi (local.get $q)) (local.get $x)))
        (f32x4.splat (f32.mul (call $f16 (local.get $w3)) (local.get $dx))))))
      (local.set $x (i32.add (local.get $x) (i32.const 68)))
      (local.set $w0 (i32.add (local.get $w0) (i32.const 18)))
      (local.set $w1 (i32.add (local.get $w1) (i32.const 18)))
      (local.set $w2 (i32.add (local.get $w2) (i32.const 18)))
      (local.set $w3 (i32.add (local.get $w3) (i32.const 18)))
      (br $next)))
    (f32.store offset=0 (local.get $out) (call $hsum (local.get $a0)))
    (f32.store offset=4 (local.get $out) (call $hsum (local.get $a1)))
    (f32.store offset=8 (local.get $out) (call $hsum (local.get $a2)))
    (f32.store offset=12 (local.get $out) (call $hsum (local.get $a3))))

  (type $dot4 (func (param i32 i32 i32 i32 i32)))
  (table $dot4s 5 funcref)
  (elem (table $dot4s) (i32.const 0) func $dot4_f32 $dot4_bf16 $dot4_f16 $dot4_q8_0 $dot4_q4_0)

  ;; bytes of one row of n values of a weight kind
  (func $row_bytes (export "row_bytes") (param $kind i32) (param $n i32) (result i32)
    (block $q4 (block $q8 (block $half (block $f32
      (br_table $f32 $half $half $q8 $q4 (local.get $kind)))
      (return (i32.shl (local.get $n) (i32.const 2))))
      (return (i32.shl (local.get $n) (i32.const 1))))
      (return (i32.mul (i32.shr_u (local.get $n) (i32.const 5)) (i32.const 34))))
    (i32.mul (i32.shr_u (local.get $n) (i32.const 5)) (i32.const 18)))

  ;; bytes of one row of x as the matmul of a weight kind reads it (f32, or widened q8_0 blocks)
  (func $x_row_bytes (param $kind i32) (param $n i32) (result i32)
    (if (result i32) (i32.ge_u (local.get $kind) (i32.const 3))
      (then (i32.mul (i32.shr_u (local.get $n) (i32.const 5)) (i32.const 68)))
      (else (i32.shl (local.get $n) (i32.const 2)))))

  ;; ── matmul ─────────────────────────────────────────────────────────────────────────────────────────
  ;; out (R, d) f32 = x (R, n) · wᵀ for the weight rows [i0, i1), w (d, n) of `kind`. Rows go four at a
  ;; time (the loop over r inside keeps those four in cache); a last group of fewer than four runs
  ;; $dot4 with stride 0 (one row four times) into the scratch and keeps lane 0, so every kind needs only
  ;; its $dot4.
  (func $matmul (export "matmul") (param $kind i32) (param $out i32) (param $x i32) (param $w i32)
        (param $R i32) (param $n i32) (param $d i32) (param $i0 i32) (param $i1 i32)
    (local $i i32) (local $r i32) (local $wrow i32) (local $xrow i32) (local $wi i32) (local $dst i32)
    (local.set $wrow (call $row_bytes (local.get $kind) (local.get $n)))
    (local.set $xrow (call $x_row_bytes (local.get $kind) (local.get $n)))
    (local.set $i (local.get $i0))
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $i1)))
      (local.set $wi (i32.add (local.get $w) (i32.mul (local.get $i) (local.get $wrow))))
      (local.set $r (i32.const 0))
      (block $rows (loop $row
        (br_if $rows (i32.ge_u (local.get $r) (local.get $R)))
        (call_indirect $dot4s (type $dot4)
          (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $d)) (local.get $i)) (i32.const 2)))
          (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $xrow)))
          (local.get $wi) (local.get $wrow) (local.get $n) (local.get $kind))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (block $done (loop $next ;; the last (i1 - i0) % 4 rows, one at a time
      (br_if $done (i32.ge_u (local.get $i) (local.get $i1)))
      (local.set $wi (i32.add (local.get $w) (i32.mul (local.get $i) (local.get $wrow))))
      (local.set $r (i32.const 0))
      (block $rows (loop $row
        (br_if $rows (i32.ge_u (local.get $r) (local.get $R)))
        (call_indirect $dot4s (type $dot4)
          (global.get $SCRATCH) (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $xrow)))
          (local.get $wi) (i32.const 0) (local.get $n) (local.get $kind))
        (f32.store
          (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $d)) (local.get $i)) (i32.const 2)))
          (f32.load (global.get $SCRATCH)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))

  ;; ── activations for the matmuls ───────────────────────────────────────────────────────────────────

  ;; q8_0 blocks of R rows of n floats (n % 32 == 0), for blocks [b0, b1) of all R·n/32: ggml's
  ;; quantize_row_q8_0 as its x86 code computes it (d = amax/127, stored as f16; scale by 127/amax, round
  ;; half to even), written widened: d as the f32 of that f16, then the 32 values as int16 (68 bytes)
  (func $quantize_q8_0 (export "quantize_q8_0") (param $dst i32) (param $x i32) (param $b0 i32) (param $b1 i32)
    (local $b i32) (local $src i32) (local $out i32) (local $amax v128) (local $m f32) (local $id v128)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $v4 v128) (local $v5 v128) (local $v6 v128) (local $v7 v128)
    (local.set $b (local.get $b0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $b) (local.get $b1)))
      (local.set $src (i32.add (local.get $x) (i32.shl (local.get $b) (i32.const 7))))
      (local.set $out (i32.add (local.get $dst) (i32.mul (local.get $b) (i32.const 68))))
      (local.set $v0 (v128.load offset=0 (local.get $src)))
      (local.set $v1 (v128.load offset=16 (local.get $src)))
      (local.set $v2 (v128.load offset=32 (local.get $src)))
      (local.set $v3 (v128.load offset=48 (local.get $src)))
      (local.set $v4 (v128.load offset=64 (local.get $src)))
      (local.set $v5 (v128.load offset=80 (local.get $src)))
      (local.set $v6 (v128.load offset=96 (local.get $src)))
      (local.set $v7 (v128.load offset=112 (local.get $src)))
      (local.set $amax (f32x4.max
        (f32x4.max (f32x4.max (f32x4.abs (local.get $v0)) (f32x4.abs (local.get $v1))) (f32x4.max (f32x4.abs (local.get $v2)) (f32x4.abs (local.get $v3))))
        (f32x4.max (f32x4.max (f32x4.abs (local.get $v4)) (f32x4.abs (local.get $v5))) (f32x4.max (f32x4.abs (local.get $v6)) (f32x4.abs (local.get $v7))))))
      (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $amax)) (f32x4.extract_lane 1 (local.get $amax)))
                             (f32.max (f32x4.extract_lane 2 (local.get $amax)) (f32x4.extract_lane 3 (local.get $amax)))))
      (f32.store (local.get $out)
        (f32.load (i32.shl (call $f32_to_f16 (f32.div (local.get $m) (f32.const 127))) (i32.const 2))))
      (local.set $id (f32x4.splat (select (f32.div (f32.const 127) (local.get $m)) (f32.const 0) (f32.ne (local.get $m) (f32.const 0)))))
      (v128.store offset=4 (local.get $out) (i16x8.narrow_i32x4_s
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v0) (local.get $id))))
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v1) (local.get $id))))))
      (v128.store offset=20 (local.get $out) (i16x8.narrow_i32x4_s
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v2) (local.get $id))))
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v3) (local.get $id))))))
      (v128.store offset=36 (local.get $out) (i16x8.narrow_i32x4_s
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v4) (local.get $id))))
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v5) (local.get $id))))))
      (v128.store offset=52 (local.get $out) (i16x8.narrow_i32x4_s
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v6) (local.get $id))))
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v7) (local.get $id))))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $next))))

  ;; n values of widened q8_0 blocks ($quantize_q8_0's output) → f32: d · q (what the matmuls multiply)
  (func $q8_0_input_to_f32 (export "q8_0_input_to_f32") (param $dst i32) (param $src i32) (param $n i32)
    (local $j i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
        (f32.mul
          (f32.load (i32.add (local.get $src) (i32.mul (i32.shr_u (local.get $j) (i32.const 5)) (i32.const 68))))
          (f32.convert_i32_s (i32.load16_s offset=4 (i32.add
            (i32.add (local.get $src) (i32.mul (i32.shr_u (local.get $j) (i32.const 5)) (i32.const 68)))
            (i32.shl (i32.and (local.get $j) (i32.const 31)) (i32.const 1)))))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next))))

  ;; R rows of n floats, copied into pair-split order for the bf16/f16 matmuls: each group of 8 as
  ;; x0 x2 x4 x6 x1 x3 x5 x7; the last n % 8 values of a row stay in place
  (func $split_pairs (export "split_pairs") (param $dst i32) (param $x i32) (param $R i32) (param $n i32)
    (local $r i32) (local $j i32) (local $vec i32) (local $all i32) (local $s i32) (local $o i32) (local $a v128) (local $b v128)
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vec (i32.and (local.get $all) (i32.const -32)))
    (block $rows (loop $row
      (br_if $rows (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $s (i32.add (local.get $x) (local.get $j)))
        (local.set $o (i32.add (local.get $dst) (local.get $j)))
        (local.set $a (v128.load offset=0 (local.get $s)))
        (local.set $b (v128.load offset=16 (local.get $s)))
        (v128.store offset=0 (local.get $o) (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $b)))
        (v128.store offset=16 (local.get $o) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $b)))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $all)))
        (f32.store (i32.add (local.get $dst) (local.get $j)) (f32.load (i32.add (local.get $x) (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next)))
      (local.set $x (i32.add (local.get $x) (local.get $all)))
      (local.set $dst (i32.add (local.get $dst) (local.get $all)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; ── the rest of a Llama layer ──────────────────────────────────────────────────────────────────────

  ;; Meta's RMSNorm: out = x · rsqrt(mean(x²) + eps) · weight, for each of R rows of n
  (func $rmsnorm (export "rmsnorm") (param $out i32) (param $x i32) (param $w i32) (param $R i32) (param $n i32) (param $eps f32)
    (local $r i32) (local $j i32) (local $vec i32) (local $all i32) (local $acc v128) (local $ss f32) (local $v f32) (local $scale f32)
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vec (i32.and (local.get $all) (i32.const -16)))
    (block $rows (loop $row
      (br_if $rows (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $acc (f32x4.add (local.get $acc)
          (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $j))) (v128.load (i32.add (local.get $x) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next)))
      (local.set $ss (call $hsum (local.get $acc)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $all)))
        (local.set $v (f32.load (i32.add (local.get $x) (local.get $j))))
        (local.set $ss (f32.add (local.get $ss) (f32.mul (local.get $v) (local.get $v))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next)))
      (local.set $scale (f32.div (f32.const 1)
        (f32.sqrt (f32.add (f32.div (local.get $ss) (f32.convert_i32_u (local.get $n))) (local.get $eps)))))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $all)))
        (f32.store (i32.add (local.get $out) (local.get $j))
          (f32.mul (f32.mul (f32.load (i32.add (local.get $x) (local.get $j))) (local.get $scale))
                   (f32.load (i32.add (local.get $w) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next)))
      (local.set $x (i32.add (local.get $x) (local.get $all)))
      (local.set $out (i32.add (local.get $out) (local.get $all)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; SwiGLU's gate: g = silu(g) · u = g / (1 + e^-g) · u, for values [i0, i1)
  (func $silu_mul (export "silu_mul") (param $g i32) (param $u i32) (param $i0 i32) (param $i1 i32)
    (local $j i32) (local $vec i32) (local $all i32) (local $v v128) (local $s f32)
    (local.set $j (i32.shl (local.get $i0) (i32.const 2)))
    (local.set $all (i32.shl (local.get $i1) (i32.const 2)))
    (local.set $vec (i32.sub (local.get $all) (i32.const 16)))
    (block $done (loop $next
      (br_if $done (i32.gt_s (local.get $j) (local.get $vec)))
      (local.set $v (v128.load (i32.add (local.get $g) (local.get $j))))
      (v128.store (i32.add (local.get $g) (local.get $j))
        (f32x4.mul
          (f32x4.div (local.get $v) (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp4 (f32x4.neg (local.get $v)))))
          (v128.load (i32.add (local.get $u) (local.get $j)))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $all)))
      (local.set $s (f32.load (i32.add (local.get $g) (local.get $j))))
      (f32.store (i32.add (local.get $g) (local.get $j))
        (f32.mul
          (f32.div (local.get $s) (f32.add (f32.const 1) (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (f32.neg (local.get $s)))))))
          (f32.load (i32.add (local.get $u) (local.get $j)))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next))))

  ;; x += y for values [i0, i1) (the residual connections)
  (func $add (export "add") (param $x i32) (param $y i32) (param $i0 i32) (param $i1 i32)
    (local $j i32) (local $vec i32) (local $all i32)
    (local.set $j (i32.shl (local.get $i0) (i32.const 2)))
    (local.set $all (i32.shl (local.get $i1) (i32.const 2)))
    (local.set $vec (i32.sub (local.get $all) (i32.const 16)))
    (block $done (loop $next
      (br_if $done (i32.gt_s (local.get $j) (local.get $vec)))
      (v128.store (i32.add (local.get $x) (local.get $j))
        (f32x4.add (v128.load (i32.add (local.get $x) (local.get $j))) (v128.load (i32.add (local.get $y) (local.get $j)))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $all)))
      (f32.store (i32.add (local.get $x) (local.get $j))
        (f32.add (f32.load (i32.add (local.get $x) (local.get $j))) (f32.load (i32.add (local.get $y) (local.get $j)))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next))))

  ;; Meta's attention for one (query row, head) item each, items [i0, i1) of R·n_heads (item = r·n_heads + h):
  ;; row r is batch row b = r / T at position start_pos + r % T; it attends to keys 0 .. its position of
  ;; its batch row's cache (the causal mask). Query head h reads KV head h / (n_heads / n_kv_heads)
  ;; (repeat_kv). scores = softmax(q·kᵀ / √head_dim); out = scores · v.
  ;; q, out: (R, n_heads·hd) f32; caches: (max_batch, max_seq, n_kv_heads·hd) f32; `scores` has max_seq
  ;; floats for every item, rounded up to a multiple of 4 (the softmax reads and writes four at a time,
  ;; so an item never touches the next item's scores, which another thread may be writing). hd % 4 == 0.
  (func $attention (export "attention") (param $out i32) (param $q i32) (param $kc i32) (param $vc i32) (param $scores i32)
        (param $T i32) (param $start i32) (param $maxSeq i32) (param $nHeads i32) (param $nKv i32) (param $hd i32)
        (param $i0 i32) (param $i1 i32)
    (local $item i32) (local $r i32) (local $h i32) (local $count i32) (local $qh i32) (local $kvBase i32) (local $kvStride i32)
    (local $s i32) (local $p i32) (local $j i32) (local $k i32) (local $hdb i32) (local $acc v128) (local $m f32) (local $sum f32)
    (local $scale f32) (local $e v128) (local $o i32) (local $slot i32)
    (local.set $slot (i32.shl (i32.and (i32.add (local.get $maxSeq) (i32.const 3)) (i32.const -4)) (i32.const 2)))
    (local.set $hdb (i32.shl (local.get $hd) (i32.const 2)))
    (local.set $kvStride (i32.mul (local.get $nKv) (local.get $hdb)))
    (local.set $scale (f32.div (f32.const 1) (f32.sqrt (f32.convert_i32_u (local.get $hd)))))
    (local.set $item (local.get $i0))
    (block $items (loop $nextItem
      (br_if $items (i32.ge_u (local.get $item) (local.get $i1)))
      (local.set $r (i32.div_u (local.get $item) (local.get $nHeads)))
      (local.set $h (i32.rem_u (local.get $item) (local.get $nHeads)))
      (local.set $count (i32.add (i32.add (local.get $start) (i32.rem_u (local.get $r) (local.get $T))) (i32.const 1)))
      (local.set $qh (i32.add (local.get $q) (i32.mul (i32.add (i32.mul (local.get $r) (local.get $nHeads)) (local.get $h)) (local.get $hdb))))
      ;; this batch row's cache, at this head's KV head
      (local.set $kvBase (i32.add
        (i32.mul (i32.mul (i32.div_u (local.get $r) (local.get $T)) (local.get $maxSeq)) (local.get $kvStride))
        (i32.mul (i32.div_u (local.get $h) (i32.div_u (local.get $nHeads) (local.get $nKv))) (local.get $hdb))))
      (local.set $s (i32.add (local.get $scores) (i32.mul (local.get $item) (local.get $slot))))
      ;; scores[p] = q·k_p / √hd, and their max
      (local.set $m (f32.const -inf))
      (local.set $p (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $count)))
        (local.set $k (i32.add (i32.add (local.get $kc) (local.get $kvBase)) (i32.mul (local.get $p) (local.get $kvStride))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $d (loop $n
          (br_if $d (i32.ge_u (local.get $j) (local.get $hdb)))
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (v128.load (i32.add (local.get $qh) (local.get $j))) (v128.load (i32.add (local.get $k) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $n)))
        (f32.store (i32.add (local.get $s) (i32.shl (local.get $p) (i32.const 2)))
          (f32.mul (call $hsum (local.get $acc)) (local.get $scale)))
        (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $s) (i32.shl (local.get $p) (i32.const 2))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
      ;; softmax: e^(s - max), and their sum (four at a time; lanes past `count` are left out of the sum)
      (local.set $sum (f32.const 0))
      (local.set $p (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $count)))
        (local.set $o (i32.add (local.get $s) (i32.shl (local.get $p) (i32.const 2))))
        (local.set $e (call $exp4 (f32x4.sub (v128.load (local.get $o)) (f32x4.splat (local.get $m)))))
        (v128.store (local.get $o) (local.get $e))
        (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 0 (local.get $e))))
        (if (i32.lt_u (i32.add (local.get $p) (i32.const 1)) (local.get $count))
          (then (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 1 (local.get $e))))))
        (if (i32.lt_u (i32.add (local.get $p) (i32.const 2)) (local.get $count))
          (then (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 2 (local.get $e))))))
        (if (i32.lt_u (i32.add (local.get $p) (i32.const 3)) (local.get $count))
          (then (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 3 (local.get $e))))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $next)))
      ;; out = Σ_p e_p · v_p / sum, four lanes of the head at a time
      (local.set $o (i32.add (local.get $out) (i32.mul (i32.add (i32.mul (local.get $r) (local.get $nHeads)) (local.get $h)) (local.get $hdb))))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $hdb)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.add (i32.add (local.get $vc) (local.get $kvBase)) (local.get $j)))
        (local.set $p (i32.const 0))
        (block $d (loop $n
          (br_if $d (i32.ge_u (local.get $p) (local.get $count)))
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (v128.load32_splat (i32.add (local.get $s) (i32.shl (local.get $p) (i32.const 2)))) (v128.load (local.get $k)))))
          (local.set $k (i32.add (local.get $k) (local.get $kvStride)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $n)))
        (v128.store (i32.add (local.get $o) (local.get $j)) (f32x4.div (local.get $acc) (f32x4.splat (local.get $sum))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next)))
      (local.set $item (i32.add (local.get $item) (i32.const 1)))
      (br $nextItem))))

  ;; ── mini-batch SGD (src/ml/sgd/trainer.ts) ────────────────────────────────────────────────────────

  ;; z = sigmoid(z + b) for R rows of n (a layer's activations after its matmul; b broadcast over rows)
  (func $sigmoid_bias (export "sigmoid_bias") (param $z i32) (param $b i32) (param $R i32) (param $n i32)
    (local $r i32) (local $j i32) (local $vec i32) (local $all i32) (local $v v128) (local $s f32)
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vec (i32.and (local.get $all) (i32.const -16)))
    (block $rows (loop $row
      (br_if $rows (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $v (f32x4.add (v128.load (i32.add (local.get $z) (local.get $j))) (v128.load (i32.add (local.get $b) (local.get $j)))))
        (v128.store (i32.add (local.get $z) (local.get $j))
          (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp4 (f32x4.neg (local.get $v))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $all)))
        (local.set $s (f32.add (f32.load (i32.add (local.get $z) (local.get $j))) (f32.load (i32.add (local.get $b) (local.get $j)))))
        (f32.store (i32.add (local.get $z) (local.get $j))
          (f32.div (f32.const 1) (f32.add (f32.const 1) (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (f32.neg (local.get $s))))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next)))
      (local.set $z (i32.add (local.get $z) (local.get $all)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; out (rows, cols) += C (rows, K) · A (K, cols), for out rows [i0, i1): each out row gathers K rows of
  ;; A scaled by its row of C. BP2's (wᵀ·δ, one row per sample) and the weight update (w += c ⊗ a) both
  ;; have this shape.
  (func $gemm_acc (export "gemm_acc") (param $out i32) (param $C i32) (param $A i32) (param $K i32) (param $cols i32)
        (param $i0 i32) (param $i1 i32)
    (local $r i32) (local $k i32) (local $j i32) (local $vec i32) (local $all i32) (local $o i32) (local $a i32)
    (local $c f32) (local $cv v128)
    (local.set $all (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $vec (i32.and (local.get $all) (i32.const -16)))
    (local.set $r (local.get $i0))
    (block $rows (loop $row
      (br_if $rows (i32.ge_u (local.get $r) (local.get $i1)))
      (local.set $o (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $all))))
      (local.set $k (i32.const 0))
      (block $ks (loop $nextK
        (br_if $ks (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $c (f32.load (i32.add (local.get $C) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $K)) (local.get $k)) (i32.const 2)))))
        (local.set $cv (f32x4.splat (local.get $c)))
        (local.set $a (i32.add (local.get $A) (i32.mul (local.get $k) (local.get $all))))
        (local.set $j (i32.const 0))
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
          (v128.store (i32.add (local.get $o) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $o) (local.get $j)))
                       (f32x4.mul (local.get $cv) (v128.load (i32.add (local.get $a) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $next)))
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $j) (local.get $all)))
          (f32.store (i32.add (local.get $o) (local.get $j))
            (f32.add (f32.load (i32.add (local.get $o) (local.get $j)))
                     (f32.mul (local.get $c) (f32.load (i32.add (local.get $a) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $next)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $nextK)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; ── conversions (loading weights, embedding rows) ─────────────────────────────────────────────────

  ;; n values of a weight kind at src → f32 at dst (ggml's dequantize_row_* for q8_0 and q4_0; n % 32 == 0
  ;; for those)
  (func $to_f32 (export "to_f32") (param $kind i32) (param $dst i32) (param $src i32) (param $n i32)
    (local $j i32) (local $d f32) (local $q i32)
    (block $q4 (block $q8 (block $f16 (block $bf16 (block $f32
      (br_table $f32 $bf16 $f16 $q8 $q4 (local.get $kind)))
      (memory.copy (local.get $dst) (local.get $src) (i32.shl (local.get $n) (i32.const 2)))
      (return))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
          (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 1)))) (i32.const 16))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (return))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
          (call $f16 (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (return))
      ;; q8_0: y = d · q
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (if (i32.eqz (i32.and (local.get $j) (i32.const 31)))
          (then
            (local.set $d (call $f16 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (i32.const 2)))))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
          (f32.mul (f32.convert_i32_s (i32.load8_s (local.get $src))) (local.get $d)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (return))
    ;; q4_0: y[j] = d · ((qs[j] & 15) - 8), y[j + 16] = d · ((qs[j] >> 4) - 8)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $d (call $f16 (local.get $src)))
      (local.set $q (i32.const 0))
      (block $d2 (loop $n2
        (br_if $d2 (i32.ge_u (local.get $q) (i32.const 16)))
        (f32.store (i32.add (local.get $dst) (i32.shl (i32.add (local.get $j) (local.get $q)) (i32.const 2)))
          (f32.mul (f32.convert_i32_s (i32.sub (i32.and (i32.load8_u offset=2 (i32.add (local.get $src) (local.get $q))) (i32.const 15)) (i32.const 8))) (local.get $d)))
        (f32.store offset=64 (i32.add (local.get $dst) (i32.shl (i32.add (local.get $j) (local.get $q)) (i32.const 2)))
          (f32.mul (f32.convert_i32_s (i32.sub (i32.shr_u (i32.load8_u offset=2 (i32.add (local.get $src) (local.get $q))) (i32.const 4)) (i32.const 8))) (local.get $d)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $n2)))
      (local.set $src (i32.add (local.get $src) (i32.const 18)))
      (local.set $j (i32.add (local.get $j) (i32.const 32)))
      (br $next))))

  ;; n f32 at src → a weight kind at dst: bf16 and f16 rounded to nearest even (torch's .to(bfloat16) and
  ;; .half(); NaN stays NaN), q8_0 and q4_0 by ggml's reference quantizers quantize_row_q8_0_ref and
  ;; quantize_row_q4_0_ref, so that a block is the one llama.cpp writes for the same row (n % 32 == 0)
  (func $from_f32 (export "from_f32") (param $kind i32) (param $dst i32) (param $src i32) (param $n i32)
    (local $j i32) (local $u i32) (local $k i32) (local $v f32) (local $amax f32) (local $max f32) (local $d f32) (local $id f32)
    (local $t f32) (local $lo i32) (local $hi i32)
    (block $q4 (block $q8 (block $f16 (block $bf16 (block $f32
      (br_table $f32 $bf16 $f16 $q8 $q4 (local.get $kind)))
      (memory.copy (local.get $dst) (local.get $src) (i32.shl (local.get $n) (i32.const 2)))
      (return))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $u (i32.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2)))))
        (i32.store16 (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 1)))
          (if (result i32) (i32.gt_u (i32.and (local.get $u) (i32.const 0x7fffffff)) (i32.const 0x7f800000))
            (then (i32.or (i32.shr_u (local.get $u) (i32.const 16)) (i32.const 0x40))) ;; NaN stays NaN
            (else (i32.shr_u
              (i32.add (i32.add (local.get $u) (i32.const 0x7fff)) (i32.and (i32.shr_u (local.get $u) (i32.const 16)) (i32.const 1)))
              (i32.const 16)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (return))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (i32.store16 (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 1)))
          (call $f32_to_f16 (f32.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (return))
      ;; q8_0_ref: d = amax / 127, id = 1/d, q = roundf(x·id) (half away from zero)
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $amax (f32.const 0))
        (local.set $k (i32.const 0))
        (block $d2 (loop $n2
          (br_if $d2 (i32.ge_u (local.get $k) (i32.const 32)))
          (local.set $amax (f32.max (local.get $amax)
            (f32.abs (f32.load (i32.add (local.get $src) (i32.shl (i32.add (local.get $j) (local.get $k)) (i32.const 2)))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $n2)))
        (local.set $d (f32.div (local.get $amax) (f32.const 127)))
        (local.set $id (select (f32.div (f32.const 1) (local.get $d)) (f32.const 0) (f32.ne (local.get $d) (f32.const 0))))
        (i32.store16 (local.get $dst) (call $f32_to_f16 (local.get $d)))
        (local.set $k (i32.const 0))
        (block $d2 (loop $n2
          (br_if $d2 (i32.ge_u (local.get $k) (i32.const 32)))
          (local.set $v (f32.mul (f32.load (i32.add (local.get $src) (i32.shl (i32.add (local.get $j) (local.get $k)) (i32.const 2)))) (local.get $id)))
          ;; roundf: trunc, then away from zero when the dropped part is ≥ 0.5 (exact in float)
          (local.set $t (f32.trunc (local.get $v)))
          (if (f32.ge (f32.abs (f32.sub (local.get $v) (local.get $t))) (f32.const 0.5))
            (then (local.set $t (f32.add (local.get $t) (f32.copysign (f32.const 1) (local.get $v))))))
          (i32.store8 offset=2 (i32.add (local.get $dst) (local.get $k)) (i32.trunc_f32_s (local.get $t)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $n2)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 34)))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $next)))
      (return))
    ;; q4_0_ref: max = the value of largest magnitude (the first, on ties), d = max / -8, id = 1/d,
    ;; q = min(15, (int8)(x·id + 8.5)); element k < 16 in the low nibble of byte k, k ≥ 16 in the high one
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $amax (f32.const 0))
      (local.set $max (f32.const 0))
      (local.set $k (i32.const 0))
      (block $d2 (loop $n2
        (br_if $d2 (i32.ge_u (local.get $k) (i32.const 32)))
        (local.set $v (f32.load (i32.add (local.get $src) (i32.shl (i32.add (local.get $j) (local.get $k)) (i32.const 2)))))
        (if (f32.lt (local.get $amax) (f32.abs (local.get $v)))
          (then (local.set $amax (f32.abs (local.get $v))) (local.set $max (local.get $v))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $n2)))
      (local.set $d (f32.div (local.get $max) (f32.const -8)))
      (local.set $id (select (f32.div (f32.const 1) (local.get $d)) (f32.const 0) (f32.ne (local.get $d) (f32.const 0))))
      (i32.store16 (local.get $dst) (call $f32_to_f16 (local.get $d)))
      (local.set $k (i32.const 0))
      (block $d2 (loop $n2
        (br_if $d2 (i32.ge_u (local.get $k) (i32.const 16)))
        (local.set $lo (i32.trunc_sat_f32_s (f32.add (f32.mul (f32.load (i32.add (local.get $src) (i32.shl (i32.add (local.get $j) (local.get $k)) (i32.const 2)))) (local.get $id)) (f32.const 8.5))))
        (local.set $hi (i32.trunc_sat_f32_s (f32.add (f32.mul (f32.load offset=64 (i32.add (local.get $src) (i32.shl (i32.add (local.get $j) (local.get $k)) (i32.const 2)))) (local.get $id)) (f32.const 8.5))))
        (local.set $lo (select (i32.const 15) (local.get $lo) (i32.gt_s (local.get $lo) (i32.const 15))))
        (local.set $hi (select (i32.const 15) (local.get $hi) (i32.gt_s (local.get $hi) (i32.const 15))))
        (i32.store8 offset=2 (i32.add (local.get $dst) (local.get $k)) (i32.or (local.get $lo) (i32.shl (local.get $hi) (i32.const 4))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $n2)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 18)))
      (local.set $j (i32.add (local.get $j) (i32.const 32)))
      (br $next))))
)
