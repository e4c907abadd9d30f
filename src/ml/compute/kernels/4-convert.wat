;; Conversions between weight dtypes: loading weights, embedding rows, ggml's reference quantizers.
(module
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
