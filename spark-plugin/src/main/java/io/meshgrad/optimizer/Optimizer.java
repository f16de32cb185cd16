package io.meshgrad.optimizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgrad.schedule.LearningRateSchedule;
import io.meshgrad.schedule.Schedules;
import io.meshgrad.support.ConfigReader;
import io.meshgrad.tensor.DType;
import io.meshgrad.tensor.Gradient;
import io.meshgrad.tensor.IndexedSlices;
import io.meshgrad.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Keras 2.13's new-generation optimizer base class ({@code keras.optimizers.Optimizer}): it owns
 * the iteration count, the learning rate or schedule, gradient clipping, weight decay, the
 * exponential moving average (EMA) of the weights, the variable registry and the config. A
 * subclass adds only {@link #createSlots}, {@link #updateStep} and its own config keys.
 *
 * <p>Order of one {@link #applyGradients} call, as in Keras: learning rate = schedule(iterations);
 * build on first use; drop {@code null} gradients; clip; sum duplicate sparse indices; weight
 * decay {@code v -= (v*wd)*lr}; {@code updateStep}; EMA {@code avg = m*avg + (1-m)*v} and, every
 * {@code ema_overwrite_frequency} steps, {@code v = avg}; {@code iterations += 1}.
 *
 * <p>Deliberate differences from Keras 2.13:
 * <ol>
 *   <li>EMA averages are matched to their variables by identity, not by position (the Keras 2.14
 *       fix), so {@code null} gradients or a different variable order no longer mix them up;</li>
 *   <li>bad configuration is rejected with {@link IllegalArgumentException} naming the parameter
 *       and the allowed range: negative {@code weight_decay}, a non-positive clipping threshold,
 *       more than one of clipnorm/global_clipnorm/clipvalue (Keras silently drops clipvalue),
 *       {@code ema_momentum} outside [0, 1], {@code ema_overwrite_frequency} &lt; 1, the deprecated
 *       {@code lr}/{@code decay} keys (Keras silently ignores {@code lr}) and unknown keys;</li>
 *   <li>{@code jit_compile} is accepted and kept for config compatibility, but there is no XLA on
 *       Spark, so {@link #getConfig()} reports {@code false}, as Keras does without a GPU;</li>
 *   <li>passing the same variable twice in one call is an error (Keras would update it twice);</li>
 *   <li>slots are named {@code <slot>/<variable name>} whether built directly or by
 *       {@code applyGradients} (Keras prefixes the optimizer name in the latter case).</li>
 * </ol>
 *
 * <p>Configuration is fixed at construction (except the learning rate, as in Keras); the state is
 * the iteration count and the slot variables. The per-variable part of a step,
 * {@link #applyToVariable}, only reads configuration, so the distributed trainer runs the very
 * same code on each variable shard.
 */
public abstract class Optimizer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private LearningRate learningRate;
  private final Double weightDecay;
  private final Double clipnorm;
  private final Double globalClipnorm;
  private final Double clipvalue;
  private final boolean useEma;
  private final double emaMomentum;
  private final Integer emaOverwriteFrequency;
  private final GradientClipping clipping;

  private long iterations;
  private transient boolean built;
  private transient Map<Variable, Map<String, Variable>> slotsByVariable = new IdentityHashMap<>();
  private transient List<Variable> variables = new ArrayList<>();
  private transient Set<Variable> registered = Collections.newSetFromMap(new IdentityHashMap<>());
  private transient Set<Variable> excludedFromWeightDecay = Collections.newSetFromMap(new IdentityHashMap<>());
  private transient List<Pattern> excludedNamePatterns = new ArrayList<>();

  /** Validates and takes the base configuration from a subclass's builder. */
  protected Optimizer(Builder<?> b) {
    String owner = b.name == null ? getClass().getSimpleName() : b.name;
    if (b.name == null || b.name.isBlank()) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": name must be a non-empty string, got '" + b.name + "'");
    }
    requireNonNegative(owner, "weight_decay", b.weightDecay);
    requirePositive(owner, "clipnorm", b.clipnorm);
    requirePositive(owner, "global_clipnorm", b.globalClipnorm);
    requirePositive(owner, "clipvalue", b.clipvalue);
    int clips = (b.clipnorm != null ? 1 : 0) + (b.globalClipnorm != null ? 1 : 0) + (b.clipvalue != null ? 1 : 0);
    if (clips > 1) {
      throw new IllegalArgumentException(owner + ": at most one of clipnorm, global_clipnorm and clipvalue can be set "
          + "(Keras would silently ignore clipvalue); got clipnorm=" + b.clipnorm + ", global_clipnorm="
          + b.globalClipnorm + ", clipvalue=" + b.clipvalue);
    }
    // as Keras 2.13: the EMA arguments are checked only when use_ema is on (unused, they are kept as given)
    if (b.useEma && !(b.emaMomentum >= 0 && b.emaMomentum <= 1)) {
      throw new IllegalArgumentException(owner + ": ema_momentum must be in the range [0, 1] when use_ema is true, got "
          + b.emaMomentum);
    }
    if (b.useEma && b.emaOverwriteFrequency != null && b.emaOverwriteFrequency < 0) {
      throw new IllegalArgumentException(owner + ": ema_overwrite_frequency must be an integer >= 1, or 0 or null "
          + "(never overwrite), when use_ema is true, got " + b.emaOverwriteFrequency);
    }
    this.name = b.name;
    this.learningRate = Objects.requireNonNull(b.learningRate, "learningRate");
    this.weightDecay = b.weightDecay;
    this.clipnorm = b.clipnorm;
    this.globalClipnorm = b.globalClipnorm;
    this.clipvalue = b.clipvalue;
    this.useEma = b.useEma;
    this.emaMomentum = b.emaMomentum;
    this.emaOverwriteFrequency = b.emaOverwriteFrequency;
    this.clipping = GradientClipping.of(clipnorm, globalClipnorm, clipvalue);
  }

  private static void requireNonNegative(String owner, String key, Double v) {
    if (v != null && !(Double.isFinite(v) && v >= 0)) {
      throw new IllegalArgumentException(owner + ": " + key + " must be a finite number >= 0 or null, got " + v);
    }
  }

  private static void requirePositive(String owner, String key, Double v) {
    if (v != null && !(Double.isFinite(v) && v > 0)) {
      throw new IllegalArgumentException(owner + ": " + key + " must be a finite number > 0 or null, got " + v);
    }
  }

  // ---------------------------------------------------------------- subclass hooks

  /**
   * Creates the optimizer's variables for {@code varList} (Keras {@code build}): registers the
   * variables, creates the EMA averages when {@code use_ema} is on, then the subclass's slots
   * ({@link #createSlots}), and marks the optimizer built. Only the first call does anything.
   */
  public final void build(List<Variable> varList) {
    if (built) {
      return;
    }
    registered.addAll(varList);
    if (useEma) {
      for (Variable v : varList) {
        addVariableFromReference(v, "average", SlotInitializer.copyOfVariable());
      }
    }
    createSlots(varList);
    built = true;
  }

  /**
   * Creates the subclass's slots for {@code varList} with {@link #addVariableFromReference} (the
   * part of Keras' {@code build} after {@code super().build(var_list)}). Called once, by
   * {@link #build}, after the EMA averages; the base marks the optimizer built.
   */
  protected abstract void createSlots(List<Variable> varList);

  /**
   * The optimizer's own update of one variable (or one shard of it) with an already clipped,
   * deduplicated gradient, Keras {@code update_step}.
   *
   * @param gradient dense or sparse gradient of the variable's dtype and shape
   * @param variable the variable's values, updated in place
   * @param slots the variable's slots, updated in place
   * @param learningRate the learning rate rounded to the variable's dtype
   */
  protected abstract void updateStep(Gradient gradient, Tensor variable, Slots slots, double learningRate);

  /** Whether {@link #build} has run. */
  public final boolean isBuilt() {
    return built;
  }

  // ---------------------------------------------------------------- variables

  /**
   * Creates a slot for {@code modelVariable} named {@code <slotName>/<variable name>} with the
   * variable's dtype and shape (Keras {@code add_variable_from_reference}).
   */
  public final Variable addVariableFromReference(Variable modelVariable, String slotName, SlotInitializer initializer) {
    Map<String, Variable> slots = slotsByVariable.computeIfAbsent(modelVariable, k -> new LinkedHashMap<>());
    if (slots.containsKey(slotName)) {
      throw new IllegalStateException("variable " + modelVariable.name() + " already has a slot '" + slotName + "'");
    }
    Variable slot;
    VariableHome home = modelVariable.home();
    if (home != null) {
      slot = home.createSlot(modelVariable, slotName, initializer);
    } else {
      Tensor init = initializer.initialValue(modelVariable.storage());
      modelVariable.storage().requireSameLayout(init, "initial value of slot " + slotName);
      slot = new Variable(slotName + "/" + modelVariable.name(), init);
    }
    slots.put(slotName, slot);
    variables.add(slot);
    return slot;
  }

  /**
   * Creates an optimizer variable not tied to a model variable (Keras {@code add_variable}).
   *
   * @param initializer {@code "zeros"} or {@code "ones"}
   */
  public final Variable addVariable(int[] shape, DType dtype, String initializer, String name) {
    double fill = switch (initializer) {
      case "zeros" -> 0.0;
      case "ones" -> 1.0;
      default -> throw new IllegalArgumentException("initializer must be one of zeros, ones; got '" + initializer + "'");
    };
    Variable v = new Variable(name, Tensor.filled(dtype, fill, shape));
    variables.add(v);
    return v;
  }

  /** The optimizer's variables in creation order: EMA averages (if any), then the subclass's slots. */
  public final List<Variable> variables() {
    return Collections.unmodifiableList(variables);
  }

  /**
   * The values of {@link #variables()}, in order (Keras {@code get_weights()} without the
   * iteration count, which is {@link #iterations()}). Values of sharded slots are gathered.
   */
  public final List<Tensor> getWeights() {
    List<Tensor> out = new ArrayList<>();
    variables.forEach(v -> out.add(v.read()));
    return out;
  }

  /**
   * Sets the values of {@link #variables()}, in order (Keras {@code set_weights}). Checks every
   * value before changing any.
   *
   * @throws IllegalStateException if the optimizer is not built yet
   * @throws IllegalArgumentException if the count, a dtype or a shape differs
   */
  public final void setWeights(List<Tensor> weights) {
    if (!built) {
      throw new IllegalStateException("setWeights() needs a built optimizer: call optimizer.build(variables) first");
    }
    if (weights.size() != variables.size()) {
      throw new IllegalArgumentException("setWeights: the optimizer has " + variables.size() + " variables "
          + variables.stream().map(Variable::name).toList() + ", got " + weights.size() + " values");
    }
    for (int i = 0; i < weights.size(); i++) {
      Variable v = variables.get(i);
      Tensor w = weights.get(i);
      if (w.dtype() != v.dtype() || !Arrays.equals(w.shape(), v.shape())) {
        throw new IllegalArgumentException("setWeights: optimizer variable " + v.name() + " is " + v.dtype()
            + Arrays.toString(v.shape()) + ", got " + w.dtype() + Arrays.toString(w.shape()));
      }
    }
    for (int i = 0; i < weights.size(); i++) {
      variables.get(i).assign(weights.get(i));
    }
  }

  /** The slot {@code slotName} of a model variable, or {@code null}. */
  public final Variable slot(Variable modelVariable, String slotName) {
    Map<String, Variable> slots = slotsByVariable.get(modelVariable);
    return slots == null ? null : slots.get(slotName);
  }

  /**
   * The slots of {@code modelVariable} made by {@link #addVariableFromReference} (live variables,
   * in creation order); empty if it has none. With {@link #sparseStepChangesOnlyItsRows} these and
   * the variable are all a sparse step of it changes.
   */
  public final List<Variable> slotVariables(Variable modelVariable) {
    Map<String, Variable> slots = slotsByVariable.get(modelVariable);
    return slots == null ? List.of() : List.copyOf(slots.values());
  }

  /** Whether the optimizer was built with this variable. */
  public final boolean isTracking(Variable variable) {
    return registered.contains(variable);
  }

  private Slots slotsOf(Variable v) {
    Map<String, Variable> slots = slotsByVariable.getOrDefault(v, Map.of());
    return slotName -> {
      Variable s = slots.get(slotName);
      if (s == null) {
        throw new IllegalStateException("variable " + v.name() + " has no slot '" + slotName + "'");
      }
      return s.storage();
    };
  }

  /**
   * Excludes variables from weight decay, by identity or by a regular expression found in their
   * name ({@code re.search}); only before the optimizer is built. A second call replaces both lists.
   */
  public final void excludeFromWeightDecay(List<Variable> varList, List<String> varNames) {
    if (built) {
      throw new IllegalStateException("excludeFromWeightDecay() can only be configured before the optimizer is built");
    }
    excludedFromWeightDecay.clear();
    excludedNamePatterns.clear();
    if (varList != null) {
      excludedFromWeightDecay.addAll(varList);
    }
    if (varNames != null) {
      varNames.forEach(n -> excludedNamePatterns.add(Pattern.compile(n)));
    }
  }

  /**
   * Whether {@link #excludeFromWeightDecay} named any variable or pattern. Such exclusions are
   * held by identity in this process and do not travel with a serialized copy of the optimizer.
   */
  public final boolean excludesFromWeightDecay() {
    return !excludedFromWeightDecay.isEmpty() || !excludedNamePatterns.isEmpty();
  }

  private boolean usesWeightDecay(Variable v) {
    return weightDecay != null && !excludedFromWeightDecay.contains(v)
        && excludedNamePatterns.stream().noneMatch(p -> p.matcher(v.name()).find());
  }

  // ---------------------------------------------------------------- the step

  /**
   * Applies one step (Keras {@code apply_gradients}). Validates everything before changing any
   * state: on an error the variables, slots and iteration count are as they were.
   *
   * @return the iteration count after the step
   * @throws IllegalArgumentException if every gradient is {@code null}, a gradient's dtype or
   *     shape differs from its variable's, a variable appears twice, or a variable is not among
   *     those the optimizer was built with
   */
  public long applyGradients(List<GradientAndVariable> gradsAndVars) {
    float lr = learningRate.valueAt(iterations);
    if (gradsAndVars.isEmpty()) {
      return iterations;
    }
    Set<Variable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Variable> all = new ArrayList<>();
    List<GradientAndVariable> present = new ArrayList<>();
    for (GradientAndVariable gv : gradsAndVars) {
      Variable v = gv.variable();
      if (!seen.add(v)) {
        throw new IllegalArgumentException("variable " + v.name() + " appears more than once in one applyGradients call");
      }
      all.add(v);
      if (gv.gradient() != null) {
        requireMatches(gv.gradient(), v);
        present.add(gv);
      }
    }
    if (present.isEmpty()) {
      throw new IllegalArgumentException("No gradients provided for any variable: "
          + all.stream().map(Variable::name).toList());
    }
    VariableHome home = homeOf(all);
    build(all);
    requireRegistered(present.stream().map(GradientAndVariable::variable).toList());
    if (home != null) {
      List<Variable> vars = present.stream().map(GradientAndVariable::variable).toList();
      home.applyGradients(this, vars, present.stream().map(GradientAndVariable::gradient).toList(), steps(lr, vars));
      return ++iterations;
    }
    Gradient[] grads = clip(present);
    for (int i = 0; i < grads.length; i++) {
      Variable v = present.get(i).variable();
      applyToVariable(new VariableStep(lr, iterations, usesWeightDecay(v)), grads[i], v.storage(), slotsOf(v));
    }
    return ++iterations;
  }

  private void requireRegistered(List<Variable> vars) {
    for (Variable v : vars) {
      if (!registered.contains(v)) {
        throw new IllegalArgumentException("The optimizer cannot recognize variable " + v.name()
            + ". This usually means you are trying to call the optimizer to update different parts of the model "
            + "separately. Please call optimizer.build(variables) with the full list of trainable variables "
            + "before the training loop.");
      }
    }
  }

  /**
   * What {@link #applyToVariable} needs for each of {@code vars} in the next update (the learning
   * rate at the current iteration, the iteration, whether weight decay applies): what {@link
   * #minimize} hands a {@link VariableHome}, for a runtime that applies updates itself.
   */
  public final List<VariableStep> nextSteps(List<Variable> vars) {
    return steps(learningRate.valueAt(iterations), vars);
  }

  private List<VariableStep> steps(float lr, List<Variable> vars) {
    return vars.stream().map(v -> new VariableStep(lr, iterations, usesWeightDecay(v))).toList();
  }

  /** The one home of the variables, {@code null} if they are all held in this process. */
  private static VariableHome homeOf(List<Variable> vars) {
    VariableHome home = vars.get(0).home();
    for (Variable v : vars) {
      if (v.home() != home) {
        throw new IllegalArgumentException("variables of one step must all live in the same place: "
            + vars.get(0).name() + " is " + describe(home) + " but " + v.name() + " is " + describe(v.home()));
      }
    }
    return home;
  }

  private static String describe(VariableHome home) {
    return home == null ? "held in this process" : "held by " + home;
  }

  private static void requireMatches(Gradient g, Variable v) {
    if (g.dtype() != v.dtype() || !Arrays.equals(g.denseShape(), v.shape())) {
      throw new IllegalArgumentException("gradient of variable " + v.name() + " must be " + v.dtype()
          + Arrays.toString(v.shape()) + ", got " + g.dtype() + Arrays.toString(g.denseShape()));
    }
  }

  private Gradient[] clip(List<GradientAndVariable> present) {
    DType[] dtypes = new DType[present.size()];
    double[] sumsOfSquares = new double[present.size()];
    for (int i = 0; i < dtypes.length; i++) {
      Gradient g = present.get(i).gradient();
      dtypes[i] = g.dtype();
      if (clipping.needsNorms()) {
        sumsOfSquares[i] = GradientClipping.sumOfSquares(g);
      }
    }
    GradientClipping.Transform[] transforms = clipping.transforms(dtypes, sumsOfSquares);
    Gradient[] out = new Gradient[dtypes.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = transforms[i].apply(present.get(i).gradient());
    }
    return out;
  }

  /**
   * Whether {@link #applyToVariable} with a sparse gradient ({@link IndexedSlices}) and this step
   * reads and writes only the gradient's rows of the variable and its slots: when
   * {@link #updateStep} keeps to them ({@link #sparseUpdateIsRowLocal()}) and neither weight decay
   * nor EMA, which change every element, applies. A shard then updates only the chunks holding
   * those rows.
   */
  public final boolean sparseStepChangesOnlyItsRows(VariableStep step) {
    return sparseUpdateIsRowLocal() && !step.weightDecay() && !useEma;
  }

  /**
   * Whether {@link #updateStep}, given {@link IndexedSlices}, reads and writes only their rows of
   * the variable and of its slots (Keras' sparse path). The default is {@code false}: the update
   * is then given whole tensors.
   */
  protected boolean sparseUpdateIsRowLocal() {
    return false;
  }

  /** What {@link #applyToVariable} needs to know about the step besides the configuration. */
  public record VariableStep(float learningRate, long iteration, boolean weightDecay) implements Serializable {}

  /**
   * The part of a step that touches one variable, after clipping: sum duplicate sparse indices,
   * weight decay, {@link #updateStep}, EMA and the EMA overwrite. Runs on the whole variable in
   * process and on each shard where it lives; it reads only configuration.
   */
  public final void applyToVariable(VariableStep step, Gradient clippedGradient, Tensor value, Slots slots) {
    Gradient g = clippedGradient instanceof IndexedSlices s ? s.deduplicate() : clippedGradient;
    DType dt = value.dtype();
    double lr = dt.round(step.learningRate());
    if (step.weightDecay()) {
      ElementwiseKernels.decay(value, dt.round(weightDecay), lr);
    }
    updateStep(g, value, slots, lr);
    if (useEma) {
      Tensor average = slots.get("average");
      ElementwiseKernels.movingAverage(average, value, dt.round(emaMomentum), dt.round(1.0 - emaMomentum));
      if (emaOverwriteFrequency != null && emaOverwriteFrequency > 0
          && (step.iteration() + 1) % emaOverwriteFrequency == 0) {
        value.copyFrom(average);
      }
    }
  }

  /**
   * Copies each variable's EMA average into it (Keras {@code finalize_variable_values}); does
   * nothing without EMA.
   */
  public void finalizeVariableValues(List<Variable> varList) {
    if (!useEma) {
      return;
    }
    for (Variable v : varList) {
      Variable average = slot(v, "average");
      if (average == null) {
        throw new IllegalArgumentException("variable " + v.name() + " has no EMA average: it was not in the list "
            + "the optimizer was built with");
      }
    }
    varList.forEach(v -> v.assign(slot(v, "average").read()));
  }

  /**
   * Evaluates {@code loss} and pairs each variable with its gradient (Keras
   * {@code compute_gradients}); gradients may be {@code null}.
   */
  public List<GradientAndVariable> computeGradients(DifferentiableLoss loss, List<Variable> varList) {
    return evaluate(loss, varList).pairs;
  }

  /**
   * {@code applyGradients(computeGradients(loss, varList))}. Keras returns nothing; this returns
   * the loss value at the weights before the update.
   */
  public double minimize(DifferentiableLoss loss, List<Variable> varList) {
    if (varList.isEmpty()) {
      throw new IllegalArgumentException("minimize needs at least one variable");
    }
    VariableHome home = homeOf(varList);
    if (home == null) {
      Evaluated e = evaluate(loss, varList);
      applyGradients(e.pairs);
      return e.loss;
    }
    float lr = learningRate.valueAt(iterations);
    build(varList);
    requireRegistered(varList);
    double value = home.minimize(this, loss, varList, steps(lr, varList));
    iterations++;
    return value;
  }

  private record Evaluated(double loss, List<GradientAndVariable> pairs) {}

  private static Evaluated evaluate(DifferentiableLoss loss, List<Variable> varList) {
    LossAndGradients lg = loss.evaluate(varList);
    if (lg.gradients().size() != varList.size()) {
      throw new IllegalStateException("the loss returned " + lg.gradients().size() + " gradients for "
          + varList.size() + " variables");
    }
    List<GradientAndVariable> pairs = new ArrayList<>();
    for (int i = 0; i < varList.size(); i++) {
      pairs.add(new GradientAndVariable(lg.gradients().get(i), varList.get(i)));
    }
    return new Evaluated(lg.loss(), pairs);
  }

  // ---------------------------------------------------------------- iterations, learning rate

  /** Number of completed {@link #applyGradients} calls. */
  public final long iterations() {
    return iterations;
  }

  /** Sets the iteration count (Keras {@code iterations.assign}), e.g. when restoring state. */
  public final void setIterations(long iterations) {
    if (iterations < 0) {
      throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
    }
    this.iterations = iterations;
  }

  /** The learning rate of the next update, in float32 (Keras {@code optimizer.learning_rate}). */
  public final float currentLearningRate() {
    return learningRate.valueAt(iterations);
  }

  /** The learning rate configuration (constant or schedule). */
  public final LearningRate learningRate() {
    return learningRate;
  }

  /**
   * Sets a constant learning rate.
   *
   * @throws IllegalStateException if the optimizer was created with a schedule (Keras' TypeError)
   */
  public final void setLearningRate(double value) {
    if (learningRate.isScheduled()) {
      throw new IllegalStateException("This optimizer was created with a LearningRateSchedule as its learning rate, "
          + "hence its learning rate is not settable. Create the optimizer with a constant learning rate instead.");
    }
    learningRate = LearningRate.constant(value);
  }

  /** Replaces the learning rate by a schedule. */
  public final void setLearningRate(LearningRateSchedule schedule) {
    learningRate = LearningRate.schedule(schedule);
  }

  /** The gradient clipping configured (for the distributed step). */
  public final GradientClipping clipping() {
    return clipping;
  }

  public final String name() {
    return name;
  }

  public final boolean useEma() {
    return useEma;
  }

  // ---------------------------------------------------------------- config

  /**
   * Keras {@code get_config()}: the base keys in Keras' order ({@code name, weight_decay,
   * clipnorm, global_clipnorm, clipvalue, use_ema, ema_momentum, ema_overwrite_frequency,
   * jit_compile, is_legacy_optimizer}); subclasses append theirs, {@code learning_rate} first.
   */
  public ObjectNode getConfig() {
    ObjectNode c = JsonNodeFactory.instance.objectNode();
    c.put("name", name);
    c.put("weight_decay", weightDecay);
    c.put("clipnorm", clipnorm);
    c.put("global_clipnorm", globalClipnorm);
    c.put("clipvalue", clipvalue);
    c.put("use_ema", useEma);
    c.put("ema_momentum", emaMomentum);
    c.put("ema_overwrite_frequency", emaOverwriteFrequency);
    c.put("jit_compile", false);
    c.put("is_legacy_optimizer", false);
    return c;
  }

  /** The learning rate as Keras serialises it: the float32 constant, or the schedule's JSON. */
  protected final JsonNode serializedLearningRate() {
    return learningRate.isScheduled()
        ? Schedules.serialize(learningRate.scheduleOrNull())
        : JsonNodeFactory.instance.numberNode((double) learningRate.valueAt(0));
  }

  /**
   * The inner config of a Keras optimizer JSON: accepts the bare {@code get_config()} object and
   * the wrapped {@code {"class_name": ..., "config": {...}}} form (with optional {@code module}
   * and {@code registered_name}) that Keras writes when saving a model.
   */
  protected static ObjectNode unwrapConfig(JsonNode node, String className) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(className + ": a config must be a JSON object, got " + node);
    }
    if (node.has("class_name") && node.has("config")) {
      String cls = node.get("class_name").asText();
      if (!cls.equals(className) && !cls.equals("Custom>" + className)) {
        throw new IllegalArgumentException(className + ": config is for class_name '" + cls + "', expected '"
            + className + "'");
      }
      JsonNode inner = node.get("config");
      if (!inner.isObject()) {
        throw new IllegalArgumentException(className + ": 'config' must be a JSON object, got " + inner);
      }
      return (ObjectNode) inner;
    }
    return (ObjectNode) node;
  }

  private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
    in.defaultReadObject();
    slotsByVariable = new IdentityHashMap<>();
    variables = new ArrayList<>();
    excludedFromWeightDecay = Collections.newSetFromMap(new IdentityHashMap<>());
    excludedNamePatterns = new ArrayList<>();
    registered = Collections.newSetFromMap(new IdentityHashMap<>());
  }

  /**
   * Base configuration shared by every optimizer, with Keras' defaults. Subclasses extend it with
   * their own keys and a {@code build()} method.
   */
  public abstract static class Builder<B extends Builder<B>> {
    private String name;
    private LearningRate learningRate = LearningRate.constant(0.001);
    private Double weightDecay;
    private Double clipnorm;
    private Double globalClipnorm;
    private Double clipvalue;
    private boolean useEma;
    private double emaMomentum = 0.99;
    private Integer emaOverwriteFrequency;

    protected Builder(String defaultName) {
      this.name = defaultName;
    }

    protected abstract B self();

    public B name(String name) {
      this.name = name;
      return self();
    }

    /** A constant learning rate (default 0.001), kept in float32. */
    public B learningRate(double learningRate) {
      this.learningRate = LearningRate.constant(learningRate);
      return self();
    }

    public B learningRate(LearningRateSchedule schedule) {
      this.learningRate = LearningRate.schedule(schedule);
      return self();
    }

    /** Decoupled weight decay {@code v -= v*wd*lr} before each update; {@code null} (default) for none. */
    public B weightDecay(Double weightDecay) {
      this.weightDecay = weightDecay;
      return self();
    }

    /** Clip each gradient to this L2 norm. */
    public B clipnorm(Double clipnorm) {
      this.clipnorm = clipnorm;
      return self();
    }

    /** Clip all gradients together to this global L2 norm. */
    public B globalClipnorm(Double globalClipnorm) {
      this.globalClipnorm = globalClipnorm;
      return self();
    }

    /** Clip every gradient element to [-clipvalue, clipvalue]. */
    public B clipvalue(Double clipvalue) {
      this.clipvalue = clipvalue;
      return self();
    }

    public B useEma(boolean useEma) {
      this.useEma = useEma;
      return self();
    }

    public B emaMomentum(double emaMomentum) {
      this.emaMomentum = emaMomentum;
      return self();
    }

    /** Overwrite the variables with their averages every this many steps; {@code null} for never. */
    public B emaOverwriteFrequency(Integer emaOverwriteFrequency) {
      this.emaOverwriteFrequency = emaOverwriteFrequency;
      return self();
    }

    /** Accepted for Keras compatibility; there is no XLA on Spark, so it has no effect. */
    public B jitCompile(boolean jitCompile) {
      return self();
    }

    /**
     * Reads the base Keras keys and {@code learning_rate}; rejects the deprecated ones
     * ({@code lr}, {@code decay}, {@code gradient_aggregator}, {@code gradient_transformers}) and a
     * legacy-optimizer config.
     */
    protected B readBaseConfig(ConfigReader r) {
      for (String deprecated : List.of("lr", "decay", "gradient_aggregator", "gradient_transformers")) {
        if (r.has(deprecated)) {
          String hint = deprecated.equals("lr") ? "use 'learning_rate'" : "use a LearningRateSchedule in 'learning_rate'"
              + " or remove it";
          throw new IllegalArgumentException(name + ": config key '" + deprecated + "' is deprecated in the "
              + "new Keras optimizers (Keras 2.13 would silently ignore or reject it): " + hint);
        }
      }
      if (r.booleanOr("is_legacy_optimizer", false)) {
        throw new IllegalArgumentException(name + ": config key 'is_legacy_optimizer' is true: this is a legacy "
            + "Keras optimizer config (tf.keras.optimizers.legacy); only the new-generation optimizer is supported");
      }
      name(r.stringOr("name", name));
      JsonNode lr = r.raw("learning_rate");
      if (lr != null) {
        if (lr.isNumber()) {
          learningRate(lr.doubleValue());
        } else if (lr.isObject()) {
          learningRate(Schedules.deserialize(lr));
        } else {
          throw r.error("learning_rate", "must be a number or a schedule {\"class_name\", \"config\"}", lr);
        }
      }
      weightDecay(r.optionalDouble("weight_decay"));
      clipnorm(r.optionalDouble("clipnorm"));
      globalClipnorm(r.optionalDouble("global_clipnorm"));
      clipvalue(r.optionalDouble("clipvalue"));
      useEma(r.booleanOr("use_ema", false));
      emaMomentum(r.doubleOr("ema_momentum", 0.99));
      emaOverwriteFrequency(r.optionalInt("ema_overwrite_frequency"));
      jitCompile(r.booleanOr("jit_compile", true));
      return self();
    }

    /** A reader over a config object for this builder's optimizer. */
    protected ConfigReader reader(ObjectNode config) {
      return new ConfigReader(name, config);
    }
  }
}
