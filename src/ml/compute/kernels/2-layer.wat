;; The rest of a Llama layer: RMSNorm, SwiGLU's gate, residual adds, attention.
(module
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
)
