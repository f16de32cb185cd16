/**
 * Keras 2.13's learning-rate schedules ({@code keras.optimizers.schedules}), evaluated in float32 as
 * Keras evaluates them, with their {@code get_config()} and (de)serialization ({@link
 * io.meshgrad.schedule.Schedules}). Spark-free; uses only {@code tensor}.
 */
package io.meshgrad.schedule;
