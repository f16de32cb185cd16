/**
 * The library's own helpers, below every other package: {@link io.meshgrad.support.Json} (JSON
 * parsing with messages that say what was wrong, and the JSON values of a {@code get_config()}),
 * {@link io.meshgrad.support.ConfigReader} (a Keras {@code get_config()} object read key by key)
 * {@link io.meshgrad.support.Checks} (argument checks whose messages name the argument, what is
 * allowed and what was received) and {@link io.meshgrad.support.ObjectBytes} (objects as bytes
 * between the driver and the tasks, read with meshgrad's own classes on each side, as a Spark
 * Connect session that shipped the jar needs).
 *
 * <p>Internal: public only so that the packages above can share them; not part of the API users
 * program against. No dependency on Spark or on any other meshgrad package.
 */
package io.meshgrad.support;
