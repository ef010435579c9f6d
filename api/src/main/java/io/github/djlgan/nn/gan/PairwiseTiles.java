package io.github.djlgan.nn.gan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * The tiled pairwise computations of {@link MinibatchDiscrimination}: the distances c[i, j, k] =
 * Σ_d |M[i, k, d] − M[j, k, d]| of an (N, K, D) array M, computed tile by tile (only the tiles on
 * or above the diagonal, c being symmetric), mapped, and reduced row by row, bit for bit as the
 * one-expression formula; and the path under a gradient collector that keeps no (T, T, K, D)
 * difference. The block's class documentation states what this does and why; this class holds the
 * bookkeeping of tiles, views and managers, so that the block shows the formula.
 */
final class PairwiseTiles {

    private static final int[] D_AXIS = {3};

    private PairwiseTiles() {}

    /** How a tile's distances c = Σ_d |a − b| are computed, and what autograd keeps of them. */
    enum Distance {
        /**
         * Σ_d |a − b| as is: if a or b is in the autograd graph, autograd keeps the tile's (T, T,
         * K, D) differences for the backward pass.
         */
        PLAIN,
        /**
         * The value outside the graph plus g − stopGradient(g), g = {@link #distanceForGradient}:
         * the value bit for bit, the gradient of g, and autograd keeps only a and b.
         */
        RECOMPUTED;

        /**
         * The distances of one tile.
         *
         * @param a the rows i of the tile, (T_I, 1, K, D)
         * @param b the rows j of the tile, (1, T_J, K, D)
         * @return c (T_I, T_J, K), attached to a's manager
         */
        NDArray of(NDArray a, NDArray b) {
            if (this == PLAIN) {
                return a.sub(b).abs().sum(D_AXIS);
            }
            NDArray c = PLAIN.of(a.stopGradient(), b.stopGradient());
            NDArray g = distanceForGradient(a, b, a.sum(D_AXIS), b.sum(D_AXIS));
            return c.add(g.sub(g.stopGradient()));
        }
    }

    /**
     * g = Σ_d (2·max(a, b) − a − b): c in exact arithmetic, with c's derivative sign(a − b), and a
     * backward pass that keeps only a and b (abs's would keep the (T, T, K, D) difference).
     *
     * @param a the rows i of a tile, (T_I, 1, K, D)
     * @param b the rows j of a tile, (1, T_J, K, D)
     * @param sumA Σ_d a, (T_I, 1, K)
     * @param sumB Σ_d b, (1, T_J, K)
     * @return g (T_I, T_J, K), attached to a's manager
     */
    static NDArray distanceForGradient(NDArray a, NDArray b, NDArray sumA, NDArray sumB) {
        // 2·max written as max + max: a Java-number factor is unsafe under autograd on DJL's
        // PyTorch engine (see Tensors)
        NDArray max = a.maximum(b).sum(D_AXIS);
        return max.add(max).sub(sumA).sub(sumB);
    }

    /**
     * The tiling of the pairs (i, j) of an N-sample batch: rows are cut into blocks of {@code size}
     * rows (the last one shorter), and tile (I, J) holds the pairs of block I's rows with block J's
     * rows. Only the tiles with J ≥ I are computed; tile (J, I) is the transpose of tile (I, J) on
     * its first two axes.
     *
     * @param n the batch size N
     * @param size the rows of a block, 1 ≤ size ≤ N
     */
    record Tiling(int n, int size) {

        int blocks() {
            return (n + size - 1) / size;
        }

        int start(int block) {
            return block * size;
        }

        int rows(int block) {
            return Math.min(size, n - block * size);
        }

        /** x cut into its row blocks along axis 0, on x's manager. */
        NDList split(NDArray x) {
            if (blocks() == 1) {
                return new NDList(x.reshape(x.getShape())); // a new handle: the caller attaches it
            }
            long[] cuts = new long[blocks() - 1];
            for (int b = 1; b < blocks(); b++) {
                cuts[b - 1] = start(b);
            }
            return x.split(cuts, 0);
        }

        /**
         * For every block I, the mask of the diagonal tile (I, I): 1 where j ≠ i, 0 where j = i,
         * (T_I, T_I, 1). One array of the full size, and a slice of it for a shorter last block.
         */
        NDArray[] diagonalMasks(NDArray like, NDManager manager) {
            NDArray full =
                    manager.eye(size, size, 0, like.getDataType(), like.getDevice())
                            .neg()
                            .add(1)
                            .expandDims(2);
            NDArray[] masks = new NDArray[blocks()];
            for (int b = 0; b < masks.length; b++) {
                masks[b] = rows(b) == size ? full : full.get("0:{}, 0:{}", rows(b), rows(b));
            }
            return masks;
        }
    }

    /** What a tile of c becomes before its rows are reduced. */
    @FunctionalInterface
    interface TileMap {

        /**
         * Maps one tile, element by element (a tile and its transpose map alike).
         *
         * @param c the distances of the tile, (T_I, T_J, K)
         * @param others on a diagonal tile, 1 where j ≠ i and 0 where j = i, (T, T, 1); else null
         * @return the mapped tile, (T_I, T_J, ...)
         */
        NDArray apply(NDArray c, NDArray others);
    }

    /** What is kept of the assembled rows of a block. */
    @FunctionalInterface
    interface RowReduction {

        /**
         * Reduces the mapped pairs of a block's rows i with every row j.
         *
         * @param rows the mapped tiles of the block's rows, (T_I, N, ...)
         * @return the (T_I, ...) result for these rows
         */
        NDArray apply(NDArray rows);
    }

    /**
     * Computes the tiles (I, J ≥ I) of c from m's row blocks, maps them, and for every block I
     * assembles its rows (T_I, N, ...) from the transposes of the tiles (J &lt; I, I) and the tiles
     * (I, J ≥ I) and reduces them; the results are concatenated along axis 0. Each row of the
     * assembled array holds, in order, the same values as a row of the one-expression (N, N, ...)
     * array, so the reduction is bit for bit the one-expression formula's. A tile is closed after
     * the last block that needs it; the result is attached to m's manager.
     */
    static NDArray reduceRows(
            NDArray m, Tiling tiling, Distance distance, TileMap map, RowReduction reduce) {
        NDManager owner = m.getManager();
        int blocks = tiling.blocks();
        NDArray[][] tiles = new NDArray[blocks][blocks];
        NDList results = new NDList();
        try (NDManager work = owner.newSubManager()) {
            NDList pieces = tiling.split(m);
            pieces.attach(work);
            NDArray[] masks = tiling.diagonalMasks(m, work);
            NDList a = new NDList();
            NDList b = new NDList();
            for (NDArray piece : pieces) {
                a.add(piece.expandDims(1)); // (T, 1, K, D): the rows i of a tile
                b.add(piece.expandDims(0)); // (1, T, K, D): the rows j of a tile
            }
            for (int i = 0; i < blocks; i++) {
                for (int j = i; j < blocks; j++) {
                    try (NDManager scope = work.newSubManager()) {
                        a.get(i).tempAttach(scope);
                        b.get(j).tempAttach(scope);
                        NDArray c = distance.of(a.get(i), b.get(j));
                        NDArray tile = map.apply(c, i == j ? masks[i] : null);
                        tile.attach(work);
                        tiles[i][j] = tile;
                    }
                }
                try (NDManager scope = work.newSubManager()) {
                    NDList row = new NDList(blocks);
                    for (int j = 0; j < blocks; j++) {
                        row.add(j < i ? tiles[j][i].transpose(1, 0, 2) : tiles[i][j]);
                    }
                    NDArray rows = blocks == 1 ? row.head() : NDArrays.concat(row, 1);
                    if (blocks > 1) {
                        rows.attach(scope);
                    }
                    NDArray result = reduce.apply(rows);
                    result.attach(owner);
                    results.add(result);
                    for (int j = 0; j <= i; j++) { // no later block needs the tiles (j, i)
                        if (tiles[j][i] != result) {
                            tiles[j][i].attach(scope);
                        }
                        tiles[j][i] = null;
                    }
                    for (int j = 0; j < i; j++) {
                        row.get(j).attach(scope);
                    }
                }
            }
        }
        if (results.size() == 1) {
            return results.head();
        }
        NDArray all = NDArrays.concat(results, 0);
        results.close();
        return all;
    }

    /**
     * o[i, k] = Σ_{j ≠ i} exp(−c[i, j, k]) under autograd, when the differences do not fit the
     * budget: the values of exp(−c) are computed tile by tile outside the graph into one (tiles, T,
     * T, K) array E and reduced row by row as in {@link #reduceRows}; the gradient is attached tile
     * by tile as E ⊙ (stopGradient(g) − g), g = {@link #distanceForGradient}: a term whose value is
     * exactly 0 and whose gradient is −E ⊙ ∂c, the chain rule of exp(−(c + g − stopGradient(g))),
     * the {@link Distance#RECOMPUTED} distance, applied by hand so that autograd keeps E once and
     * does not go through the assembly of the rows. The term's row sums go to block I's rows and
     * its column sums to block J's (the pairs (j, i) of an off-diagonal tile are not computed
     * again). Autograd keeps E (O(N²K / 2)) and the row blocks of m; every (T, T, K, D) temporary
     * is closed with its tile.
     */
    static NDArray closenessRecomputed(NDArray m, Tiling tiling) {
        NDManager owner = m.getManager();
        int blocks = tiling.blocks();
        int count = blocks * (blocks + 1) / 2;
        long k = m.getShape().get(1);
        NDArray values;
        NDArray gradient;
        try (NDManager work = owner.newSubManager()) {
            NDArray e =
                    work.create(
                            new Shape(count, tiling.size(), tiling.size(), k),
                            m.getDataType(),
                            m.getDevice());
            NDIndex[][] at = new NDIndex[blocks][blocks];
            for (int i = 0, t = 0; i < blocks; i++) {
                for (int j = i; j < blocks; j++, t++) {
                    boolean full =
                            tiling.rows(i) == tiling.size() && tiling.rows(j) == tiling.size();
                    at[i][j] = // one select for a full tile, three operations for a short one
                            full
                                    ? new NDIndex(t)
                                    : new NDIndex(
                                            "{}, 0:{}, 0:{}", t, tiling.rows(i), tiling.rows(j));
                }
            }
            // the values, outside the graph; E is complete before any of it enters the graph
            NDArray detached = m.stopGradient();
            detached.attach(work);
            NDList pieces = tiling.split(detached);
            pieces.attach(work);
            NDArray[] masks = tiling.diagonalMasks(m, work);
            NDList rowsI = new NDList(); // (T, 1, K, D) per block
            NDList rowsJ = new NDList(); // (1, T, K, D) per block
            for (NDArray piece : pieces) {
                rowsI.add(piece.expandDims(1));
                rowsJ.add(piece.expandDims(0));
            }
            for (int i = 0; i < blocks; i++) {
                for (int j = i; j < blocks; j++) {
                    try (NDManager scope = work.newSubManager()) {
                        rowsI.get(i).tempAttach(scope);
                        NDArray c = Distance.PLAIN.of(rowsI.get(i), rowsJ.get(j));
                        NDArray tile =
                                MinibatchDiscrimination.closeness(c, i == j ? masks[i] : null);
                        e.tempAttach(scope);
                        e.set(at[i][j], tile);
                    }
                }
            }
            // the gradient, terms of value 0, and the values of the rows, tile by tile
            NDList grad = tiling.split(m);
            NDArray sumD = m.sum(new int[] {2}); // Σ_d m, (N, K)
            sumD.attach(work);
            NDList sums = tiling.split(sumD);
            grad.attach(work);
            sums.attach(work);
            NDList a = new NDList();
            NDList b = new NDList();
            NDList sa = new NDList();
            NDList sb = new NDList();
            for (int i = 0; i < blocks; i++) {
                a.add(grad.get(i).expandDims(1));
                b.add(grad.get(i).expandDims(0));
                sa.add(sums.get(i).expandDims(1));
                sb.add(sums.get(i).expandDims(0));
            }
            NDArray[][] tiles = new NDArray[blocks][blocks]; // views of E, until no row needs them
            NDArray[] terms = new NDArray[blocks]; // the sum of the terms of each block's rows
            NDList rows = new NDList();
            for (int i = 0; i < blocks; i++) {
                for (int j = i; j < blocks; j++) {
                    try (NDManager scope = work.newSubManager()) {
                        a.get(i).tempAttach(scope);
                        tiles[i][j] = e.get(at[i][j]);
                        NDArray g = distanceForGradient(a.get(i), b.get(j), sa.get(i), sb.get(j));
                        NDArray r = g.stopGradient().sub(g).mul(tiles[i][j]); // on scope
                        accumulate(terms, i, r.sum(new int[] {1}), work);
                        if (j != i) {
                            accumulate(terms, j, r.sum(new int[] {0}), work);
                        }
                    }
                }
                try (NDManager scope = work.newSubManager()) {
                    NDList row = new NDList(blocks);
                    for (int j = 0; j < blocks; j++) {
                        if (j < i) {
                            NDArray transposed = tiles[j][i].transpose(1, 0, 2);
                            transposed.attach(scope);
                            row.add(transposed);
                        } else {
                            row.add(tiles[i][j]);
                        }
                    }
                    NDArray all = blocks == 1 ? row.head() : NDArrays.concat(row, 1);
                    NDArray sum = all.sum(new int[] {1});
                    sum.attach(work);
                    rows.add(sum);
                    all.attach(scope);
                    for (int j = 0; j <= i; j++) { // no later row needs the tiles (j, i)
                        tiles[j][i].attach(scope);
                    }
                }
            }
            values = blocks == 1 ? rows.head() : NDArrays.concat(rows, 0);
            values.attach(owner);
            gradient = blocks == 1 ? terms[0] : NDArrays.concat(new NDList(terms), 0);
            gradient.attach(owner);
        }
        return values.add(gradient);
    }

    /**
     * terms[block] += term, the sum attached to {@code manager}. A running sum rather than a list
     * summed at the end: one small array per block stays alive, not two per tile, which would be
     * scattered among the tiles' large temporaries in the native heap.
     */
    private static void accumulate(NDArray[] terms, int block, NDArray term, NDManager manager) {
        NDArray sum = terms[block] == null ? term : terms[block].add(term);
        sum.attach(manager);
        if (terms[block] != null) {
            terms[block].close();
        }
        terms[block] = sum;
    }
}
