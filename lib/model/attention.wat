;; Cached attention of one decoding step, in WebAssembly SIMD on the wasm backend's own memory.
;; Source of lib/model/attention_wasm.ts (regenerate with `deno task build:wasm`).
;;
;; Layout (float32, byte addresses into the imported memory): keys and values [P, N, d]
;; position-major (channel n = b·H + h); q and out [N, d]; weights [N, P]. d is a multiple of 4.
(module
  (import "env" "memory" (memory 1))

  ;; weights[n, p] = Σ_j keys[p, n, j] · q[n, j]
  (func (export "scores")
    (param $keys i32) (param $q i32) (param $weights i32)
    (param $P i32) (param $N i32) (param $d i32)
    (local $n i32) (local $p i32) (local $j i32)
    (local $row i32) (local $k i32) (local $qn i32) (local $w i32) (local $acc v128)
    (local.set $row (i32.shl (i32.mul (local.get $N) (local.get $d)) (i32.const 2)))
    (local.set $w (local.get $weights))
    (local.set $n (i32.const 0))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $qn (i32.add (local.get $q) (i32.shl (i32.mul (local.get $n) (local.get $d)) (i32.const 2))))
      (local.set $p (i32.const 0))
      (block $p_done (loop $p_loop
        (br_if $p_done (i32.ge_u (local.get $p) (local.get $P)))
        (local.set $k (i32.add
          (i32.add (local.get $keys) (i32.mul (local.get $p) (local.get $row)))
          (i32.shl (i32.mul (local.get $n) (local.get $d)) (i32.const 2))))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $j_done (loop $j_loop
          (br_if $j_done (i32.ge_u (local.get $j) (local.get $d)))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
            (v128.load (i32.add (local.get $k) (i32.shl (local.get $j) (i32.const 2))))
            (v128.load (i32.add (local.get $qn) (i32.shl (local.get $j) (i32.const 2)))))))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $j_loop)))
        (f32.store (local.get $w) (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
          (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $p_loop)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop))))

  ;; out[n, j] = Σ_p weights[n, p] · values[p, n, j]
  (func (export "mix")
    (param $values i32) (param $weights i32) (param $out i32)
    (param $P i32) (param $N i32) (param $d i32)
    (local $n i32) (local $p i32) (local $j i32)
    (local $row i32) (local $v i32) (local $wn i32) (local $o i32) (local $acc v128)
    (local.set $row (i32.shl (i32.mul (local.get $N) (local.get $d)) (i32.const 2)))
    (local.set $n (i32.const 0))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $wn (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $n) (local.get $P)) (i32.const 2))))
      (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (local.get $n) (local.get $d)) (i32.const 2))))
      (local.set $j (i32.const 0))
      (block $j_done (loop $j_loop
        (br_if $j_done (i32.ge_u (local.get $j) (local.get $d)))
        (local.set $v (i32.add
          (i32.add (local.get $values) (i32.shl (i32.mul (local.get $n) (local.get $d)) (i32.const 2)))
          (i32.shl (local.get $j) (i32.const 2))))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $p (i32.const 0))
        (block $p_done (loop $p_loop
          (br_if $p_done (i32.ge_u (local.get $p) (local.get $P)))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
            (f32x4.splat (f32.load (i32.add (local.get $wn) (i32.shl (local.get $p) (i32.const 2)))))
            (v128.load (local.get $v)))))
          (local.set $v (i32.add (local.get $v) (local.get $row)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $p_loop)))
        (v128.store (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))) (local.get $acc))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $j_loop)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop))))
)
