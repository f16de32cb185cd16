package io.meshgrad.loss;

/**
 * The objective at some parameters and its gradient.
 *
 * @param value the objective value
 * @param coefGradient its gradient with respect to the coefficients, same layout as them
 * @param interceptGradient its gradient with respect to the intercept, or {@code null} without
 *     intercept
 */
public record LossAndGradient(double value, double[] coefGradient, double[] interceptGradient) {}
