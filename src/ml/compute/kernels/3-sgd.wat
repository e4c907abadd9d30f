;; Mini-batch SGD's kernels (src/ml/sgd/trainer.ts).
(module
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
)
