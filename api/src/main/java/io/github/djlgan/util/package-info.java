/** Small helpers shared by the blocks: argument checks with uniform error messages. */
package io.github.djlgan.util;
