/** Interoperability with Theano/Lasagne: importing parameters saved by Lasagne networks. */
package io.github.djlgan.lasagne;
