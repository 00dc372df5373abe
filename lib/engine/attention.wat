;; The SIMD kernels of the wasm backend, in WebAssembly SIMD on the backend's own memory: cached
;; attention of one decoding step, and the row copies, layer norm and GELU argument of the trunk.
;; Source of lib/engine/attention_wasm.ts (regenerate with `deno task build:wasm`).
;;
;; Layout (float32, byte addresses into the imported memory): keys and values [P, N, d]
;; position-major (channel n = b·H + h); q and out [N, d]; weights [N, P]. d is a multiple of 4.
;; scores and mix walk the channels in blocks of 64, positions inside a block, so they read the
;; cache in runs of consecutive memory and keep a block's q or out in the first-level cache.
(module
  (import "env" "memory" (memory 1))

  ;; weights[n, p] = Σ_j keys[p, n, j] · q[n, j], four positions at a time: four accumulators
  ;; share each load of q, and one transposing reduction gives the four sums as one vector.
  ;; Channels go in blocks of 64 (4 KiB of q and of each position's keys): within a block, each
  ;; group of four positions reads four runs of consecutive memory, which the prefetcher follows
  ;; (a whole channel's positions are a stride of N·d floats apart). Each weight is the same sum
  ;; in the same order whatever the blocking.
  (func (export "scores")
    (param $keys i32) (param $q i32) (param $weights i32)
    (param $P i32) (param $N i32) (param $d i32)
    (local $n i32) (local $p i32) (local $j i32) (local $dBytes i32) (local $row i32)
    (local $qn i32) (local $kn i32) (local $k0 i32) (local $w i32) (local $qj v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $s01 v128) (local $s23 v128) (local $nb i32) (local $nEnd i32) (local $P4 i32)
    (local.set $dBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $row (i32.mul (local.get $N) (local.get $dBytes)))
    (local.set $P4 (i32.and (local.get $P) (i32.const -4)))
    (local.set $nb (i32.const 0))
    (block $nb_done (loop $nb_loop
      (br_if $nb_done (i32.ge_u (local.get $nb) (local.get $N)))
      (local.set $nEnd (i32.add (local.get $nb) (i32.const 64)))
      (if (i32.gt_u (local.get $nEnd) (local.get $N)) (then (local.set $nEnd (local.get $N))))
      (local.set $p (i32.const 0))
      (block $p4_done (loop $p4_loop
        (br_if $p4_done (i32.ge_u (local.get $p) (local.get $P4)))
        (local.set $n (local.get $nb))
        (block $n_done (loop $n_loop
          (br_if $n_done (i32.ge_u (local.get $n) (local.get $nEnd)))
          (local.set $qn (i32.add (local.get $q) (i32.mul (local.get $n) (local.get $dBytes))))
          (local.set $k0 (i32.add
            (i32.add (local.get $keys) (i32.mul (local.get $n) (local.get $dBytes)))
            (i32.mul (local.get $p) (local.get $row))))
          (local.set $w (i32.add (local.get $weights)
            (i32.shl (i32.add (i32.mul (local.get $n) (local.get $P)) (local.get $p)) (i32.const 2))))
          (local.set $a0 (v128.const f32x4 0 0 0 0))
          (local.set $a1 (v128.const f32x4 0 0 0 0))
          (local.set $a2 (v128.const f32x4 0 0 0 0))
          (local.set $a3 (v128.const f32x4 0 0 0 0))
          (local.set $j (i32.const 0))
          (block $j_done (loop $j_loop
            (br_if $j_done (i32.ge_u (local.get $j) (local.get $dBytes)))
            (local.set $qj (v128.load (i32.add (local.get $qn) (local.get $j))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qj)
              (v128.load (i32.add (local.get $k0) (local.get $j))))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $qj)
              (v128.load (i32.add (i32.add (local.get $k0) (local.get $row)) (local.get $j))))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $qj)
              (v128.load (i32.add (i32.add (local.get $k0) (i32.shl (local.get $row) (i32.const 1))) (local.get $j))))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $qj)
              (v128.load (i32.add (i32.add (local.get $k0) (i32.mul (local.get $row) (i32.const 3))) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $j_loop)))
          ;; [a0, a1, a2, a3] → [Σa0, Σa1, Σa2, Σa3]
          (local.set $s01 (f32x4.add
            (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1))
            (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1))))
          (local.set $s23 (f32x4.add
            (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a2) (local.get $a3))
            (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a2) (local.get $a3))))
          (v128.store (local.get $w) (f32x4.add
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s01) (local.get $s23))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s01) (local.get $s23))))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br $n_loop)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $p4_loop)))
      ;; the last P mod 4 positions one by one, summed in the same order
      (block $p_done (loop $p_loop
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $P)))
        (local.set $n (local.get $nb))
        (block $n1_done (loop $n1_loop
          (br_if $n1_done (i32.ge_u (local.get $n) (local.get $nEnd)))
          (local.set $qn (i32.add (local.get $q) (i32.mul (local.get $n) (local.get $dBytes))))
          (local.set $k0 (i32.add
            (i32.add (local.get $keys) (i32.mul (local.get $n) (local.get $dBytes)))
            (i32.mul (local.get $p) (local.get $row))))
          (local.set $a0 (v128.const f32x4 0 0 0 0))
          (local.set $j (i32.const 0))
          (block $j1_done (loop $j1_loop
            (br_if $j1_done (i32.ge_u (local.get $j) (local.get $dBytes)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (v128.load (i32.add (local.get $qn) (local.get $j)))
              (v128.load (i32.add (local.get $k0) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $j1_loop)))
          (f32.store
            (i32.add (local.get $weights)
              (i32.shl (i32.add (i32.mul (local.get $n) (local.get $P)) (local.get $p)) (i32.const 2)))
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 2 (local.get $a0)))
              (f32.add (f32x4.extract_lane 1 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br $n1_loop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $p_loop)))
      (local.set $nb (local.get $nEnd))
      (br $nb_loop))))

  ;; e^x for x <= 0, lane by lane: x = k·ln 2 + r with |r| <= ln(2)/2, e^r by a degree-7
  ;; polynomial (Cephes expf's coefficients, about 1 ulp), 2^k built in the exponent bits (the
  ;; shift keeps k + 127 from t's low mantissa bits).
  ;; Inputs below -87 are clamped there (e^-87 ≈ 1.6e-38, the smallest normal range).
  (func $exp4 (param $x v128) (result v128)
    (local $t v128) (local $k v128) (local $r v128) (local $y v128)
    (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
    ;; t = x·log2(e) + 1.5·2^23 rounds to an integer k held in t's low mantissa bits
    (local.set $t (f32x4.add (f32x4.mul (local.get $x)
      (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))
      (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $k (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x) (f32x4.mul (local.get $k)
        (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
      (f32x4.mul (local.get $k)
        (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $y (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r))
      (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r))
      (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r))
      (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r))
      (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r))
      (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $y (f32x4.add
      (f32x4.add (f32x4.mul (local.get $y) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r))
      (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $y)
      (i32x4.shl (i32x4.add (local.get $t) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

  ;; Softmax of each of the N rows of weights [N, P], in place.
  (func $softmax (export "softmax")
    (param $weights i32) (param $N i32) (param $P i32)
    (local $n i32) (local $row i32) (local $end i32) (local $end4 i32) (local $at i32)
    (local $max f32) (local $maxes v128) (local $sums v128) (local $e v128) (local $sum f32)
    (local $scale v128)
    (local.set $row (local.get $weights))
    (local.set $n (i32.const 0))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $end (i32.add (local.get $row) (i32.shl (local.get $P) (i32.const 2))))
      (local.set $end4 (i32.add (local.get $row)
        (i32.shl (i32.and (local.get $P) (i32.const -4)) (i32.const 2))))
      ;; max: four lanes at a time, then the tail (scores are finite: pmax needs no NaN rule)
      (local.set $maxes (v128.const f32x4 -inf -inf -inf -inf))
      (local.set $at (local.get $row))
      (block $m_done (loop $m_loop
        (br_if $m_done (i32.ge_u (local.get $at) (local.get $end4)))
        (local.set $maxes (f32x4.pmax (local.get $maxes) (v128.load (local.get $at))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $m_loop)))
      (local.set $max (f32.max
        (f32.max (f32x4.extract_lane 0 (local.get $maxes)) (f32x4.extract_lane 1 (local.get $maxes)))
        (f32.max (f32x4.extract_lane 2 (local.get $maxes)) (f32x4.extract_lane 3 (local.get $maxes)))))
      (block $mt_done (loop $mt_loop
        (br_if $mt_done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $max (f32.max (local.get $max) (f32.load (local.get $at))))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $mt_loop)))
      (local.set $maxes (f32x4.splat (local.get $max)))
      ;; exponentials and their sum: four at a time, then the tail one by one
      (local.set $sums (v128.const f32x4 0 0 0 0))
      (local.set $at (local.get $row))
      (block $e_done (loop $e_loop
        (br_if $e_done (i32.ge_u (local.get $at) (local.get $end4)))
        (local.set $e (call $exp4 (f32x4.sub (v128.load (local.get $at)) (local.get $maxes))))
        (v128.store (local.get $at) (local.get $e))
        (local.set $sums (f32x4.add (local.get $sums) (local.get $e)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $e_loop)))
      (local.set $sum (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $sums)) (f32x4.extract_lane 1 (local.get $sums)))
        (f32.add (f32x4.extract_lane 2 (local.get $sums)) (f32x4.extract_lane 3 (local.get $sums)))))
      (block $t_done (loop $t_loop
        (br_if $t_done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $e (call $exp4 (f32x4.splat (f32.sub (f32.load (local.get $at)) (local.get $max)))))
        (f32.store (local.get $at) (f32x4.extract_lane 0 (local.get $e)))
        (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 0 (local.get $e))))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $t_loop)))
      ;; normalise
      (local.set $scale (f32x4.splat (f32.div (f32.const 1) (local.get $sum))))
      (local.set $at (local.get $row))
      (block $s_done (loop $s_loop
        (br_if $s_done (i32.ge_u (local.get $at) (local.get $end4)))
        (v128.store (local.get $at) (f32x4.mul (v128.load (local.get $at)) (local.get $scale)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $s_loop)))
      (block $u_done (loop $u_loop
        (br_if $u_done (i32.ge_u (local.get $at) (local.get $end)))
        (f32.store (local.get $at)
          (f32.mul (f32.load (local.get $at)) (f32x4.extract_lane 0 (local.get $scale))))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $u_loop)))
      (local.set $row (local.get $end))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop))))

  ;; out[n, j] = Σ_p weights[n, p] · values[p, n, j], summed over p in order. Channels go in
  ;; blocks of 64: a block's outputs (4 KiB) stay in the first-level cache while the positions'
  ;; values for the block are read as runs of consecutive memory.
  (func (export "mix")
    (param $values i32) (param $weights i32) (param $out i32)
    (param $P i32) (param $N i32) (param $d i32)
    (local $p i32) (local $n i32) (local $j i32) (local $dBytes i32) (local $pBytes i32)
    (local $v i32) (local $o i32) (local $w i32) (local $end i32) (local $s v128)
    (local $nb i32) (local $nEnd i32) (local $row i32) (local $oStart i32) (local $oEnd i32)
    (local.set $dBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $pBytes (i32.shl (local.get $P) (i32.const 2)))
    (local.set $row (i32.mul (local.get $N) (local.get $dBytes)))
    ;; d = 16 (the shipped heads): each channel's sum in four registers, positions inner
    (if (i32.eq (local.get $d) (i32.const 16)) (then
      (call $mix16 (local.get $values) (local.get $weights) (local.get $out)
        (local.get $P) (local.get $N) (local.get $row))
      (return)))
    (local.set $nb (i32.const 0))
    (block $nb_done (loop $nb_loop
      (br_if $nb_done (i32.ge_u (local.get $nb) (local.get $N)))
      (local.set $nEnd (i32.add (local.get $nb) (i32.const 64)))
      (if (i32.gt_u (local.get $nEnd) (local.get $N)) (then (local.set $nEnd (local.get $N))))
      (local.set $oStart (i32.add (local.get $out) (i32.mul (local.get $nb) (local.get $dBytes))))
      (local.set $oEnd (i32.add (local.get $out) (i32.mul (local.get $nEnd) (local.get $dBytes))))
      (local.set $o (local.get $oStart))
      (block $z_done (loop $z_loop
        (br_if $z_done (i32.ge_u (local.get $o) (local.get $oEnd)))
        (v128.store (local.get $o) (v128.const f32x4 0 0 0 0))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $z_loop)))
      (local.set $p (i32.const 0))
      (block $p_done (loop $p_loop
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $P)))
        (local.set $o (local.get $oStart))
        (local.set $v (i32.add (i32.add (local.get $values) (i32.mul (local.get $p) (local.get $row)))
          (i32.mul (local.get $nb) (local.get $dBytes))))
        (local.set $w (i32.add (local.get $weights)
          (i32.shl (i32.add (i32.mul (local.get $nb) (local.get $P)) (local.get $p)) (i32.const 2))))
        (local.set $n (local.get $nb))
        (block $n_done (loop $n_loop
          (br_if $n_done (i32.ge_u (local.get $n) (local.get $nEnd)))
          (local.set $s (f32x4.splat (f32.load (local.get $w))))
          (local.set $j (i32.const 0))
          (block $j_done (loop $j_loop
            (br_if $j_done (i32.ge_u (local.get $j) (local.get $dBytes)))
            (v128.store (i32.add (local.get $o) (local.get $j)) (f32x4.add
              (v128.load (i32.add (local.get $o) (local.get $j)))
              (f32x4.mul (local.get $s) (v128.load (i32.add (local.get $v) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $j_loop)))
          (local.set $v (i32.add (local.get $v) (local.get $dBytes)))
          (local.set $o (i32.add (local.get $o) (local.get $dBytes)))
          (local.set $w (i32.add (local.get $w) (local.get $pBytes)))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br $n_loop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $p_loop)))
      (local.set $nb (local.get $nEnd))
      (br $nb_loop))))

  ;; mix for d = 16: out[n] summed over p in order in four registers (the same sums as mix's
  ;; general path), without a store and reload of out per position.
  (func $mix16
    (param $values i32) (param $weights i32) (param $out i32)
    (param $P i32) (param $N i32) (param $row i32)
    (local $n i32) (local $p i32) (local $v i32) (local $w i32) (local $s v128)
    (local $o0 v128) (local $o1 v128) (local $o2 v128) (local $o3 v128)
    (local.set $n (i32.const 0))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $o0 (v128.const f32x4 0 0 0 0))
      (local.set $o1 (v128.const f32x4 0 0 0 0))
      (local.set $o2 (v128.const f32x4 0 0 0 0))
      (local.set $o3 (v128.const f32x4 0 0 0 0))
      (local.set $v (i32.add (local.get $values) (i32.shl (local.get $n) (i32.const 6))))
      (local.set $w (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $n) (local.get $P)) (i32.const 2))))
      (local.set $p (i32.const 0))
      (block $p_done (loop $p_loop
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $P)))
        (local.set $s (v128.load32_splat (local.get $w)))
        (local.set $o0 (f32x4.add (local.get $o0) (f32x4.mul (local.get $s) (v128.load (local.get $v)))))
        (local.set $o1 (f32x4.add (local.get $o1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $v)))))
        (local.set $o2 (f32x4.add (local.get $o2) (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $v)))))
        (local.set $o3 (f32x4.add (local.get $o3) (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $v)))))
        (local.set $v (i32.add (local.get $v) (local.get $row)))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $p_loop)))
      (local.set $v (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 6))))
      (v128.store (local.get $v) (local.get $o0))
      (v128.store offset=16 (local.get $v) (local.get $o1))
      (v128.store offset=32 (local.get $v) (local.get $o2))
      (v128.store offset=48 (local.get $v) (local.get $o3))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop))))

  ;; dst [rows, width] = src rows, `stride` floats apart, times scale (width a multiple of 4): one
  ;; call splits q (scaled), k and v out of a step's fused [B, 3D] projection.
  (func (export "copy_rows")
    (param $src i32) (param $dst i32) (param $rows i32) (param $width i32) (param $stride i32)
    (param $scale f32)
    (local $r i32) (local $j i32) (local $wBytes i32) (local $sBytes i32) (local $s v128)
    (local.set $wBytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $sBytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $s (f32x4.splat (local.get $scale)))
    (local.set $r (i32.const 0))
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $j_done (loop $j_loop
        (br_if $j_done (i32.ge_u (local.get $j) (local.get $wBytes)))
        (v128.store (i32.add (local.get $dst) (local.get $j))
          (f32x4.mul (v128.load (i32.add (local.get $src) (local.get $j))) (local.get $s)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $j_loop)))
      (local.set $src (i32.add (local.get $src) (local.get $sBytes)))
      (local.set $dst (i32.add (local.get $dst) (local.get $wBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop))))

  ;; Layer norm of each row of x [N, I] (I a multiple of 4) in the order of tfjs's op-by-op path,
  ;; so the results are the same bits: mean and variance summed left to right and divided by I,
  ;; invStd = 1 / sqrt(variance + eps), xHat = (x − mean) · invStd, y = xHat · g + b. Writes
  ;; xHat [N, I] and invStd [N]; xHat may be y (then y alone survives).
  (func (export "layer_norm")
    (param $x i32) (param $g i32) (param $b i32) (param $y i32) (param $xhat i32)
    (param $invstd i32) (param $N i32) (param $I i32) (param $eps f32)
    (local $n i32) (local $j i32) (local $iBytes i32) (local $fi f32) (local $sum f32)
    (local $mean f32) (local $c f32) (local $inv v128) (local $v v128)
    (local.set $iBytes (i32.shl (local.get $I) (i32.const 2)))
    (local.set $fi (f32.convert_i32_u (local.get $I)))
    (local.set $n (i32.const 0))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $sum (f32.const 0))
      (local.set $j (i32.const 0))
      (block $m_done (loop $m_loop
        (br_if $m_done (i32.ge_u (local.get $j) (local.get $iBytes)))
        (local.set $sum (f32.add (local.get $sum) (f32.load (i32.add (local.get $x) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $m_loop)))
      (local.set $mean (f32.div (local.get $sum) (local.get $fi)))
      ;; centred values (kept in xhat) and the sum of their squares
      (local.set $sum (f32.const 0))
      (local.set $j (i32.const 0))
      (block $c_done (loop $c_loop
        (br_if $c_done (i32.ge_u (local.get $j) (local.get $iBytes)))
        (local.set $c (f32.sub (f32.load (i32.add (local.get $x) (local.get $j))) (local.get $mean)))
        (f32.store (i32.add (local.get $xhat) (local.get $j)) (local.get $c))
        (local.set $sum (f32.add (local.get $sum) (f32.mul (local.get $c) (local.get $c))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $c_loop)))
      (local.set $c (f32.div (f32.const 1)
        (f32.sqrt (f32.add (f32.div (local.get $sum) (local.get $fi)) (local.get $eps)))))
      (f32.store (local.get $invstd) (local.get $c))
      (local.set $inv (f32x4.splat (local.get $c)))
      (local.set $j (i32.const 0))
      (block $y_done (loop $y_loop
        (br_if $y_done (i32.ge_u (local.get $j) (local.get $iBytes)))
        (local.set $v (f32x4.mul (v128.load (i32.add (local.get $xhat) (local.get $j))) (local.get $inv)))
        (v128.store (i32.add (local.get $xhat) (local.get $j)) (local.get $v))
        (v128.store (i32.add (local.get $y) (local.get $j)) (f32x4.add
          (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $g) (local.get $j))))
          (v128.load (i32.add (local.get $b) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $y_loop)))
      (local.set $x (i32.add (local.get $x) (local.get $iBytes)))
      (local.set $y (i32.add (local.get $y) (local.get $iBytes)))
      (local.set $xhat (i32.add (local.get $xhat) (local.get $iBytes)))
      (local.set $invstd (i32.add (local.get $invstd) (i32.const 4)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop))))

  ;; GELU's sigmoid argument, element by element in tfjs's op order: out = (x + x·x·x · a) · c2
  ;; (c2 = 2·√(2/π), a = 0.044715); n elements, four at a time then the tail.
  (func (export "gelu_arg")
    (param $x i32) (param $out i32) (param $n i32) (param $a f32) (param $c2 f32)
    (local $end i32) (local $end4 i32) (local $va v128) (local $vc v128) (local $v v128)
    (local $s f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $va (f32x4.splat (local.get $a)))
    (local.set $vc (f32x4.splat (local.get $c2)))
    (block $v_done (loop $v_loop
      (br_if $v_done (i32.ge_u (local.get $x) (local.get $end4)))
      (local.set $v (v128.load (local.get $x)))
      (v128.store (local.get $out) (f32x4.mul (f32x4.add (local.get $v) (f32x4.mul
        (f32x4.mul (f32x4.mul (local.get $v) (local.get $v)) (local.get $v)) (local.get $va)))
        (local.get $vc)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $v_loop)))
    (block $t_done (loop $t_loop
      (br_if $t_done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $s (f32.load (local.get $x)))
      (f32.store (local.get $out) (f32.mul (f32.add (local.get $s) (f32.mul
        (f32.mul (f32.mul (local.get $s) (local.get $s)) (local.get $s)) (local.get $a)))
        (local.get $c2)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (br $t_loop))))

  ;; GELU's gradient from x and s = σ(2u): dx = dy·(s + x·s·(1 − s)·c2·(1 + 3a·x²)); n elements,
  ;; a multiple of 4.
  (func (export "gelu_grad")
    (param $dy i32) (param $x i32) (param $s i32) (param $dx i32) (param $n i32)
    (param $a3 f32) (param $c2 f32)
    (local $end i32) (local $va v128) (local $vc v128) (local $v v128) (local $sig v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $va (f32x4.splat (local.get $a3)))
    (local.set $vc (f32x4.splat (local.get $c2)))
    (block $v_done (loop $v_loop
      (br_if $v_done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $v (v128.load (local.get $x)))
      (local.set $sig (v128.load (local.get $s)))
      (v128.store (local.get $dx) (f32x4.mul (v128.load (local.get $dy)) (f32x4.add (local.get $sig)
        (f32x4.mul
          (f32x4.mul (local.get $v)
            (f32x4.mul (local.get $sig) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $sig))))
          (f32x4.mul (local.get $vc) (f32x4.add (v128.const f32x4 1 1 1 1)
            (f32x4.mul (local.get $va) (f32x4.mul (local.get $v) (local.get $v)))))))))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
      (br $v_loop))))

  ;; Layer norm's gradient, row by row (I a multiple of 4): dxHat = dy·g,
  ;; dx = invStd·(dxHat − mean(dxHat) − xHat·mean(dxHat·xHat)); dg += dy·xHat and db += dy over
  ;; the rows (dg and db start at zero: the caller's fresh outputs).
  (func (export "layer_norm_grad")
    (param $dy i32) (param $xhat i32) (param $invstd i32) (param $g i32) (param $dx i32)
    (param $dg i32) (param $db i32) (param $N i32) (param $I i32)
    (local $n i32) (local $j i32) (local $iBytes i32) (local $fi f32) (local $v v128)
    (local $d v128) (local $h v128) (local $s1 v128) (local $s2 v128) (local $m1 v128)
    (local $m2 v128) (local $inv v128)
    (local.set $iBytes (i32.shl (local.get $I) (i32.const 2)))
    (local.set $fi (f32.convert_i32_u (local.get $I)))
    (local.set $j (i32.const 0))
    (block $z_done (loop $z_loop
      (br_if $z_done (i32.ge_u (local.get $j) (local.get $iBytes)))
      (v128.store (i32.add (local.get $dg) (local.get $j)) (v128.const f32x4 0 0 0 0))
      (v128.store (i32.add (local.get $db) (local.get $j)) (v128.const f32x4 0 0 0 0))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $z_loop)))
    (local.set $n (i32.const 0))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $N)))
      ;; the two row means, and the column sums of dg and db
      (local.set $s1 (v128.const f32x4 0 0 0 0))
      (local.set $s2 (v128.const f32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $m_done (loop $m_loop
        (br_if $m_done (i32.ge_u (local.get $j) (local.get $iBytes)))
        (local.set $d (v128.load (i32.add (local.get $dy) (local.get $j))))
        (local.set $h (v128.load (i32.add (local.get $xhat) (local.get $j))))
        (local.set $v (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $g) (local.get $j)))))
        (local.set $s1 (f32x4.add (local.get $s1) (local.get $v)))
        (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $v) (local.get $h))))
        (v128.store (i32.add (local.get $dg) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $dg) (local.get $j)))
            (f32x4.mul (local.get $d) (local.get $h))))
        (v128.store (i32.add (local.get $db) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $db) (local.get $j))) (local.get $d)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $m_loop)))
      (local.set $m1 (f32x4.splat (f32.div (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $s1)) (f32x4.extract_lane 1 (local.get $s1)))
        (f32.add (f32x4.extract_lane 2 (local.get $s1)) (f32x4.extract_lane 3 (local.get $s1))))
        (local.get $fi))))
      (local.set $m2 (f32x4.splat (f32.div (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $s2)) (f32x4.extract_lane 1 (local.get $s2)))
        (f32.add (f32x4.extract_lane 2 (local.get $s2)) (f32x4.extract_lane 3 (local.get $s2))))
        (local.get $fi))))
      (local.set $inv (v128.load32_splat (local.get $invstd)))
      (local.set $j (i32.const 0))
      (block $x_done (loop $x_loop
        (br_if $x_done (i32.ge_u (local.get $j) (local.get $iBytes)))
        (local.set $v (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $j)))
          (v128.load (i32.add (local.get $g) (local.get $j)))))
        (v128.store (i32.add (local.get $dx) (local.get $j)) (f32x4.mul (local.get $inv)
          (f32x4.sub (f32x4.sub (local.get $v) (local.get $m1))
            (f32x4.mul (v128.load (i32.add (local.get $xhat) (local.get $j))) (local.get $m2)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $x_loop)))
      (local.set $dy (i32.add (local.get $dy) (local.get $iBytes)))
      (local.set $xhat (i32.add (local.get $xhat) (local.get $iBytes)))
      (local.set $dx (i32.add (local.get $dx) (local.get $iBytes)))
      (local.set $invstd (i32.add (local.get $invstd) (i32.const 4)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop))))

  ;; Σ of a vector's four lanes, as (l0 + l1) + (l2 + l3).
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; [hsum a, hsum b, hsum c, hsum d] by one transposing reduction, each lane summed in $hsum's
  ;; order: pair sums (l0 + l1, l2 + l3) of a and b side by side, then of c and d, then their sum.
  (func $hsum4 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    (local.set $ab (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $b))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $c) (local.get $d))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $c) (local.get $d))))
    (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $ab) (local.get $cd))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $ab) (local.get $cd))))

  ;; The four lane sums of a·b over dBytes bytes (a multiple of 16), before the final $hsum.
  (func $dotv (param $a i32) (param $b i32) (param $dBytes i32) (result v128)
    (local $c i32) (local $acc v128)
    (if (i32.eq (local.get $dBytes) (i32.const 64)) (then
      ;; d = 16, the shipped model's head width: unrolled
      (return (f32x4.add
        (f32x4.add
          (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))
          (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
        (f32x4.add
          (f32x4.mul (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b)))
          (f32x4.mul (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b))))))))
    (local.set $acc (v128.const f32x4 0 0 0 0))
    (local.set $c (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $c) (local.get $dBytes)))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
        (v128.load (i32.add (local.get $a) (local.get $c)))
        (v128.load (i32.add (local.get $b) (local.get $c))))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br $next)))
    (local.get $acc))

  ;; dst[j] = a·(rows b + j·stride) for j = 0 … n − 1 (dBytes a multiple of 16): four dot
  ;; products per transposing reduction, then the last n mod 4 one by one, each summed in the
  ;; same order ($dotv, then $hsum's).
  (func $dots (param $dst i32) (param $a i32) (param $b i32) (param $stride i32) (param $n i32)
    (param $dBytes i32)
    (local $j i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $j (i32.const 0))
    (if (i32.eq (local.get $dBytes) (i32.const 64)) (then
      ;; d = 16: a stays in four registers
      (local.set $a0 (v128.load (local.get $a)))
      (local.set $a1 (v128.load offset=16 (local.get $a)))
      (local.set $a2 (v128.load offset=32 (local.get $a)))
      (local.set $a3 (v128.load offset=48 (local.get $a)))
      (block $r_done (loop $r_four
        (br_if $r_done (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
        (v128.store (local.get $dst) (call $hsum4
          (call $dot16 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)
            (local.get $b))
          (call $dot16 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)
            (i32.add (local.get $b) (local.get $stride)))
          (call $dot16 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)
            (i32.add (local.get $b) (i32.shl (local.get $stride) (i32.const 1))))
          (call $dot16 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)
            (i32.add (local.get $b) (i32.mul (local.get $stride) (i32.const 3))))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.shl (local.get $stride) (i32.const 2))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $r_four)))))
    (block $four_done (loop $four
      (br_if $four_done (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
      (v128.store (local.get $dst) (call $hsum4
        (call $dotv (local.get $a) (local.get $b) (local.get $dBytes))
        (call $dotv (local.get $a) (i32.add (local.get $b) (local.get $stride)) (local.get $dBytes))
        (call $dotv (local.get $a) (i32.add (local.get $b) (i32.shl (local.get $stride) (i32.const 1)))
          (local.get $dBytes))
        (call $dotv (local.get $a) (i32.add (local.get $b) (i32.mul (local.get $stride) (i32.const 3)))
          (local.get $dBytes))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.shl (local.get $stride) (i32.const 2))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $four)))
    (block $one_done (loop $one
      (br_if $one_done (i32.ge_s (local.get $j) (local.get $n)))
      (f32.store (local.get $dst)
        (call $hsum (call $dotv (local.get $a) (local.get $b) (local.get $dBytes))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (local.get $stride)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $one))))

  ;; $dotv for d = 16 with a already in registers.
  (func $dot16 (param $a0 v128) (param $a1 v128) (param $a2 v128) (param $a3 v128) (param $b i32)
    (result v128)
    (f32x4.add
      (f32x4.add
        (f32x4.mul (local.get $a0) (v128.load (local.get $b)))
        (f32x4.mul (local.get $a1) (v128.load offset=16 (local.get $b))))
      (f32x4.add
        (f32x4.mul (local.get $a2) (v128.load offset=32 (local.get $b)))
        (f32x4.mul (local.get $a3) (v128.load offset=48 (local.get $b))))))

  ;; y[c] += s·x[c] over dBytes bytes (a multiple of 16).
  (func $axpy (param $y i32) (param $s f32) (param $x i32) (param $dBytes i32)
    (local $c i32) (local $vs v128)
    (local.set $vs (f32x4.splat (local.get $s)))
    (if (i32.eq (local.get $dBytes) (i32.const 64)) (then
      ;; d = 16: unrolled
      (v128.store (local.get $y) (f32x4.add (v128.load (local.get $y))
        (f32x4.mul (local.get $vs) (v128.load (local.get $x)))))
      (v128.store offset=16 (local.get $y) (f32x4.add (v128.load offset=16 (local.get $y))
        (f32x4.mul (local.get $vs) (v128.load offset=16 (local.get $x)))))
      (v128.store offset=32 (local.get $y) (f32x4.add (v128.load offset=32 (local.get $y))
        (f32x4.mul (local.get $vs) (v128.load offset=32 (local.get $x)))))
      (v128.store offset=48 (local.get $y) (f32x4.add (v128.load offset=48 (local.get $y))
        (f32x4.mul (local.get $vs) (v128.load offset=48 (local.get $x)))))
      (return)))
    (local.set $c (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $c) (local.get $dBytes)))
      (v128.store (i32.add (local.get $y) (local.get $c)) (f32x4.add
        (v128.load (i32.add (local.get $y) (local.get $c)))
        (f32x4.mul (local.get $vs) (v128.load (i32.add (local.get $x) (local.get $c))))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br $next)))
  )

  ;; y = Σ_j w_j·(rows x + j·stride) for j = 0 … n − 1, w_j at w + j·wStride, accumulated from
  ;; zero in j's order (as n calls of $axpy on a zeroed y would); for d = 16 the sum stays in four
  ;; registers.
  (func $mix_rows (param $y i32) (param $w i32) (param $wStride i32) (param $x i32) (param $stride i32)
    (param $n i32) (param $dBytes i32)
    (local $j i32) (local $c i32) (local $s v128) (local $y0 v128) (local $y1 v128)
    (local $y2 v128) (local $y3 v128)
    (if (i32.eq (local.get $dBytes) (i32.const 64)) (then
      (local.set $y0 (v128.const f32x4 0 0 0 0))
      (local.set $y1 (v128.const f32x4 0 0 0 0))
      (local.set $y2 (v128.const f32x4 0 0 0 0))
      (local.set $y3 (v128.const f32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $r_done (loop $r_loop
        (br_if $r_done (i32.ge_s (local.get $j) (local.get $n)))
        (local.set $s (v128.load32_splat (local.get $w)))
        (local.set $y0 (f32x4.add (local.get $y0)
          (f32x4.mul (local.get $s) (v128.load (local.get $x)))))
        (local.set $y1 (f32x4.add (local.get $y1)
          (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $x)))))
        (local.set $y2 (f32x4.add (local.get $y2)
          (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $x)))))
        (local.set $y3 (f32x4.add (local.get $y3)
          (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $x)))))
        (local.set $w (i32.add (local.get $w) (local.get $wStride)))
        (local.set $x (i32.add (local.get $x) (local.get $stride)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $r_loop)))
      (v128.store (local.get $y) (local.get $y0))
      (v128.store offset=16 (local.get $y) (local.get $y1))
      (v128.store offset=32 (local.get $y) (local.get $y2))
      (v128.store offset=48 (local.get $y) (local.get $y3))
      (return)))
    (local.set $c (i32.const 0))
    (block $z_done (loop $z_loop
      (br_if $z_done (i32.ge_u (local.get $c) (local.get $dBytes)))
      (v128.store (i32.add (local.get $y) (local.get $c)) (v128.const f32x4 0 0 0 0))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br $z_loop)))
    (local.set $j (i32.const 0))
    (block $m_done (loop $m_loop
      (br_if $m_done (i32.ge_s (local.get $j) (local.get $n)))
      (call $axpy (local.get $y) (f32.load (local.get $w)) (local.get $x) (local.get $dBytes))
      (local.set $w (i32.add (local.get $w) (local.get $wStride)))
      (local.set $x (i32.add (local.get $x) (local.get $stride)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $m_loop))))

  ;; Causal self-attention of whole sequences (training and prefill), heads read in place:
  ;; q (already scaled by 1/√d), k, v and out are [B, T, H, d] (= [B·T, D], D = H·d, d a multiple
  ;; of 4); probs [B·H, T, T] gets softmax_j≤i(q_i·k_j), zero above the diagonal (what the
  ;; gradient reads); out_i = Σ_j≤i probs_ij · v_j.
  (func (export "attention_full")
    (param $q i32) (param $k i32) (param $v i32) (param $out i32) (param $probs i32)
    (param $B i32) (param $T i32) (param $H i32) (param $d i32)
    (local $b i32) (local $h i32) (local $i i32) (local $j i32)
    (local $dBytes i32) (local $rowBytes i32) (local $base i32) (local $at i32) (local $prow i32)
    (local.set $dBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $H) (local.get $dBytes)))
    (local.set $prow (local.get $probs))
    (local.set $b (i32.const 0))
    (block $b_done (loop $b_loop
      (br_if $b_done (i32.ge_u (local.get $b) (local.get $B)))
      (local.set $h (i32.const 0))
      (block $h_done (loop $h_loop
        (br_if $h_done (i32.ge_u (local.get $h) (local.get $H)))
        ;; byte offset of (b, 0, h, 0)
        (local.set $base (i32.add
          (i32.mul (i32.mul (local.get $b) (local.get $T)) (local.get $rowBytes))
          (i32.mul (local.get $h) (local.get $dBytes))))
        (local.set $i (i32.const 0))
        (block $i_done (loop $i_loop
          (br_if $i_done (i32.ge_u (local.get $i) (local.get $T)))
          (local.set $at (i32.add (local.get $base) (i32.mul (local.get $i) (local.get $rowBytes))))
          ;; scores of positions j <= i, their softmax, zeros after
          (call $dots (local.get $prow) (i32.add (local.get $q) (local.get $at))
            (i32.add (local.get $k) (local.get $base)) (local.get $rowBytes)
            (i32.add (local.get $i) (i32.const 1)) (local.get $dBytes))
          (call $softmax (local.get $prow) (i32.const 1) (i32.add (local.get $i) (i32.const 1)))
          (local.set $j (i32.add (local.get $i) (i32.const 1)))
          (block $z_done (loop $z_loop
            (br_if $z_done (i32.ge_u (local.get $j) (local.get $T)))
            (f32.store (i32.add (local.get $prow) (i32.shl (local.get $j) (i32.const 2)))
              (f32.const 0))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $z_loop)))
          ;; out_i = Σ_j probs_ij · v_j
          (call $mix_rows (i32.add (local.get $out) (local.get $at)) (local.get $prow) (i32.const 4)
            (i32.add (local.get $v) (local.get $base)) (local.get $rowBytes)
            (i32.add (local.get $i) (i32.const 1)) (local.get $dBytes))
          (local.set $prow (i32.add (local.get $prow) (i32.shl (local.get $T) (i32.const 2))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $i_loop)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $h_loop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $b_loop))))

;; The gradient of attention_full from its saved probs and dout (layouts as there): per row i,
  ;; dP_j = dout_i·v_j, dS_ij = P_ij·(dP_j − Σ_j' P_ij'·dP_j'), dq_i = Σ_j dS_ij·k_j; then per
  ;; column j, dk_j = Σ_i≥j dS_ij·q_i and dv_j = Σ_i≥j P_ij·dout_i, summed in i's order from zero.
  ;; scratch holds T·T floats (dS of one sequence and head).
  (func (export "attention_full_grad")
    (param $q i32) (param $k i32) (param $v i32) (param $probs i32) (param $dout i32)
    (param $dq i32) (param $dk i32) (param $dv i32) (param $scratch i32)
    (param $B i32) (param $T i32) (param $H i32) (param $d i32)
    (local $b i32) (local $h i32) (local $i i32) (local $j i32) (local $c i32) (local $n i32)
    (local $dBytes i32) (local $rowBytes i32) (local $base i32) (local $at i32) (local $prow i32)
    (local $srow i32) (local $tBytes i32) (local $diag i32) (local $rowdot f32) (local $vrow v128)
    (local.set $dBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $H) (local.get $dBytes)))
    (local.set $tBytes (i32.shl (local.get $T) (i32.const 2)))
    (local.set $b (i32.const 0))
    (block $b_done (loop $b_loop
      (br_if $b_done (i32.ge_u (local.get $b) (local.get $B)))
      (local.set $h (i32.const 0))
      (block $h_done (loop $h_loop
        (br_if $h_done (i32.ge_u (local.get $h) (local.get $H)))
        (local.set $base (i32.add
          (i32.mul (i32.mul (local.get $b) (local.get $T)) (local.get $rowBytes))
          (i32.mul (local.get $h) (local.get $dBytes))))
        ;; rows: dS into scratch, dq
        (local.set $prow (i32.add (local.get $probs) (i32.mul
          (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $h))
          (i32.mul (local.get $T) (local.get $tBytes)))))
        (local.set $srow (local.get $scratch))
        (local.set $i (i32.const 0))
        (block $i_done (loop $i_loop
          (br_if $i_done (i32.ge_u (local.get $i) (local.get $T)))
          (local.set $at (i32.add (local.get $base) (i32.mul (local.get $i) (local.get $rowBytes))))
          (local.set $n (i32.add (local.get $i) (i32.const 1)))
          ;; dP_j, then Σ_j P_ij·dP_j left to right
          (call $dots (local.get $srow) (i32.add (local.get $dout) (local.get $at))
            (i32.add (local.get $v) (local.get $base)) (local.get $rowBytes) (local.get $n)
            (local.get $dBytes))
          (local.set $rowdot (f32.const 0))
          (local.set $c (i32.const 0))
          (block $p_done (loop $p_loop
            (br_if $p_done (i32.ge_u (local.get $c) (i32.shl (local.get $n) (i32.const 2))))
            (local.set $rowdot (f32.add (local.get $rowdot) (f32.mul
              (f32.load (i32.add (local.get $srow) (local.get $c)))
              (f32.load (i32.add (local.get $prow) (local.get $c))))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $p_loop)))
          ;; dS_ij = P_ij·(dP_j − rowdot) in place: four at a time, then the tail
          (local.set $vrow (f32x4.splat (local.get $rowdot)))
          (local.set $c (i32.const 0))
          (block $s_done (loop $s_loop
            (br_if $s_done (i32.gt_u (i32.add (local.get $c) (i32.const 16))
              (i32.shl (local.get $n) (i32.const 2))))
            (v128.store (i32.add (local.get $srow) (local.get $c)) (f32x4.mul
              (v128.load (i32.add (local.get $prow) (local.get $c)))
              (f32x4.sub (v128.load (i32.add (local.get $srow) (local.get $c))) (local.get $vrow))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $s_loop)))
          (block $st_done (loop $st_loop
            (br_if $st_done (i32.ge_u (local.get $c) (i32.shl (local.get $n) (i32.const 2))))
            (f32.store (i32.add (local.get $srow) (local.get $c)) (f32.mul
              (f32.load (i32.add (local.get $prow) (local.get $c)))
              (f32.sub (f32.load (i32.add (local.get $srow) (local.get $c))) (local.get $rowdot))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $st_loop)))
          (call $mix_rows (i32.add (local.get $dq) (local.get $at)) (local.get $srow) (i32.const 4)
            (i32.add (local.get $k) (local.get $base)) (local.get $rowBytes) (local.get $n)
            (local.get $dBytes))
          (local.set $prow (i32.add (local.get $prow) (local.get $tBytes)))
          (local.set $srow (i32.add (local.get $srow) (local.get $tBytes)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $i_loop)))
        ;; columns: dk_j and dv_j down column j of dS and P from the diagonal
        (local.set $prow (i32.sub (local.get $prow) (i32.mul (local.get $T) (local.get $tBytes))))
        (local.set $j (i32.const 0))
        (block $j_done (loop $j_loop
          (br_if $j_done (i32.ge_u (local.get $j) (local.get $T)))
          (local.set $at (i32.add (local.get $base) (i32.mul (local.get $j) (local.get $rowBytes))))
          (local.set $diag (i32.mul (local.get $j) (i32.add (local.get $tBytes) (i32.const 4))))
          (call $mix_rows (i32.add (local.get $dk) (local.get $at))
            (i32.add (local.get $scratch) (local.get $diag)) (local.get $tBytes)
            (i32.add (local.get $q) (local.get $at)) (local.get $rowBytes)
            (i32.sub (local.get $T) (local.get $j)) (local.get $dBytes))
          (call $mix_rows (i32.add (local.get $dv) (local.get $at))
            (i32.add (local.get $prow) (local.get $diag)) (local.get $tBytes)
            (i32.add (local.get $dout) (local.get $at)) (local.get $rowBytes)
            (i32.sub (local.get $T) (local.get $j)) (local.get $dBytes))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $j_loop)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $h_loop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $b_loop))))
)
