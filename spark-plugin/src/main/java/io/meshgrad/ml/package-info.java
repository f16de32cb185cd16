/**
 * Spark ML stages that train linear models, factorization machines and multilayer perceptrons
 * with meshgrad's Keras-2.13-faithful Adagrad on a device mesh, usable in {@code Pipeline}, {@code
 * CrossValidator} and Spark ML persistence.
 *
 * <table>
 *   <caption>Estimators and models</caption>
 *   <tr><th>Estimator</th><th>Model</th><th>Loss</th></tr>
 *   <tr><td>{@link io.meshgrad.ml.MeshAdagradClassifier} ({@code ProbabilisticClassifier})</td>
 *       <td>{@link io.meshgrad.ml.MeshAdagradClassificationModel}</td>
 *       <td>logistic (binomial or multinomial) or hinge</td></tr>
 *   <tr><td>{@link io.meshgrad.ml.MeshAdagradRegressor} ({@code Regressor})</td>
 *       <td>{@link io.meshgrad.ml.MeshAdagradRegressionModel}</td>
 *       <td>least squares</td></tr>
 *   <tr><td>{@link io.meshgrad.ml.MeshFMClassifier} ({@code ProbabilisticClassifier})</td>
 *       <td>{@link io.meshgrad.ml.MeshFMClassificationModel}</td>
 *       <td>factorization machine, logistic (labels 0/1)</td></tr>
 *   <tr><td>{@link io.meshgrad.ml.MeshFMRegressor} ({@code Regressor})</td>
 *       <td>{@link io.meshgrad.ml.MeshFMRegressionModel}</td>
 *       <td>factorization machine, least squares</td></tr>
 *   <tr><td>{@link io.meshgrad.ml.MeshMLPClassifier} ({@code ProbabilisticClassifier})</td>
 *       <td>{@link io.meshgrad.ml.MeshMLPClassificationModel}</td>
 *       <td>softmax cross-entropy of a multilayer perceptron (params: {@link io.meshgrad.ml.MeshMLPParams})</td></tr>
 *   <tr><td>{@link io.meshgrad.ml.MeshMLPRegressor} ({@code Regressor})</td>
 *       <td>{@link io.meshgrad.ml.MeshMLPRegressionModel}</td>
 *       <td>squared error of a multilayer perceptron with one linear output</td></tr>
 * </table>
 *
 * <pre>{@code
 * Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
 *     new VectorAssembler().setInputCols(cols).setOutputCol("raw"),
 *     new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true),
 *     new MeshAdagradClassifier().setLearningRate(0.5).setMaxIter(100).setMesh("batch=4,model=2")});
 * PipelineModel model = pipeline.fit(train);
 * model.write().save(path);                    // PipelineModel.load(path) gives the same predictions
 * }</pre>
 *
 * <h2>Params</h2>
 *
 * All the estimators and models have these (the factorization machine stages without {@code
 * family} and {@code loss}, and with {@code factorSize, fitLinear, initStd, miniBatchFraction}
 * besides, see {@link io.meshgrad.ml.MeshFMParams}) (the models carry the values they were trained
 * with). Besides them the classifier has Spark's {@code featuresCol, labelCol, predictionCol,
 * rawPredictionCol, probabilityCol, thresholds} and the regressor {@code featuresCol, labelCol,
 * predictionCol}.
 *
 * <table>
 *   <caption>Params of the meshgrad stages</caption>
 *   <tr><th>Param</th><th>Allowed</th><th>Default</th><th>Meaning</th></tr>
 *   <tr><td>weightCol</td><td>numeric column</td><td>unset</td><td>row weights (unset or empty: 1)</td></tr>
 *   <tr><td>maxIter</td><td>int &ge; 0</td><td>100 (MLP: 600)</td><td>optimizer steps</td></tr>
 *   <tr><td>tol</td><td>&ge; 0</td><td>1e-6</td><td>stop when the training loss changes by at most
 *       {@code tol * max(1, |loss|)} between steps; 0 never (Keras trains a fixed number of steps)</td></tr>
 *   <tr><td>regParam</td><td>&ge; 0</td><td>0</td><td>objective + {@code regParam (a ||w||_1 + (1-a)/2
 *       ||w||^2)}, not on the intercept</td></tr>
 *   <tr><td>elasticNetParam</td><td>[0, 1]</td><td>0</td><td>{@code a} above (MLlib's mixing); the L1 part's
 *       gradient is {@code regParam a sign(w)}, Keras' {@code L1L2}: no exact zeros</td></tr>
 *   <tr><td>fitIntercept</td><td>boolean</td><td>true</td><td></td></tr>
 *   <tr><td>standardization</td><td>boolean</td><td>true (FM, MLP: false)</td><td>MLlib's: each feature divided
 *       by its standard deviation inside the fit, weights reported on the features' scale; the default
 *       applies below 65536 features (docs/defaults.md)</td></tr>
 *   <tr><td>aggregationDepth</td><td>int &ge; 2</td><td>2</td><td>depth of the gradient tree sums</td></tr>
 *   <tr><td>checkpointInterval</td><td>-1 or int &ge; 1</td><td>10</td><td>steps between checkpoints of
 *       sharded optimizer state (with a model dimension &gt; 1)</td></tr>
 *   <tr><td>seed</td><td>long</td><td>class-name hash</td><td>mini-batch shuffle</td></tr>
 *   <tr><td>learningRate</td><td>&gt; 0</td><td>0.5 (MLP: 0.2)</td><td>constant learning rate (the Keras-API
 *       {@code Adagrad} keeps Keras' 0.001; the stages' defaults were chosen by measurement, see
 *       docs/defaults.md)</td></tr>
 *   <tr><td>learningRateSchedule</td><td>Keras schedule JSON</td><td>unset</td><td>replaces learningRate</td></tr>
 *   <tr><td>initialAccumulatorValue</td><td>&ge; 0</td><td>0.3 (FM, MLP: 0.1); linear and FM: 0.001 on unstandardized rows of 65536+ features</td><td>Adagrad; Keras' 0.1 in the Keras-API {@code Adagrad}</td></tr>
 *   <tr><td>epsilon</td><td>&ge; 0</td><td>1e-7</td><td>Adagrad, inside the square root as in Keras</td></tr>
 *   <tr><td>weightDecay</td><td>&ge; 0</td><td>unset</td><td>decoupled decay {@code w -= w*wd*lr}</td></tr>
 *   <tr><td>clipNorm, clipValue, globalClipNorm</td><td>&gt; 0, at most one</td><td>unset</td><td>Keras
 *       {@code clipnorm, clipvalue, global_clipnorm}</td></tr>
 *   <tr><td>useEma, emaMomentum, emaOverwriteFrequency</td><td>boolean; [0, 1]; int &ge; 1</td>
 *       <td>false; 0.99; unset</td><td>Keras EMA of the weights; the model gets the averages</td></tr>
 *   <tr><td>optimizerConfig</td><td>Keras Adagrad JSON</td><td>unset</td><td>see below</td></tr>
 *   <tr><td>mesh</td><td>e.g. {@code batch=4,model=2}</td><td>{@code batch=<defaultParallelism>}</td>
 *       <td>the batch dimension's size is the number of data partitions; a model dimension &gt; 1
 *       shards the coefficients (row axis) across executors</td></tr>
 *   <tr><td>batchSize</td><td>int &ge; 0</td><td>0 (MLP: 256)</td><td>rows per step, 0 for full batch</td></tr>
 *   <tr><td>maxEpochs</td><td>int &ge; 0</td><td>0</td><td>passes over the data, 0 no limit</td></tr>
 *   <tr><td>dtype</td><td>float32, float64</td><td>float32</td><td>of weights, gradients and slots</td></tr>
 *   <tr><td>validationIndicatorCol</td><td>boolean column</td><td>unset</td><td>see early stopping</td></tr>
 *   <tr><td>earlyStoppingPatience</td><td>int &ge; 1</td><td>5</td><td></td></tr>
 *   <tr><td>validationTol</td><td>&ge; 0</td><td>0</td><td></td></tr>
 *   <tr><td>onNonFiniteGradient</td><td>error, skip, propagate</td><td>error</td><td>see below</td></tr>
 *   <tr><td>family (classifier)</td><td>auto, binomial, multinomial</td><td>auto</td><td>auto: binomial
 *       for 2 classes</td></tr>
 *   <tr><td>loss (classifier)</td><td>logistic, hinge</td><td>logistic</td><td>hinge: linear SVM, binary,
 *       no probability column</td></tr>
 *   <tr><td>threshold (classifier)</td><td>[0, 1]</td><td>0.5</td><td>binomial logistic: predict 1 when
 *       the probability of class 1 is above it; MLlib's rules with {@code thresholds}</td></tr>
 * </table>
 *
 * Choice params accept any letter case. An invalid value is rejected when it is set (by a setter,
 * a {@code ParamMap}, {@code fit(dataset, paramMap)} or loading) with an {@link
 * java.lang.IllegalArgumentException} that names the param, what it allows and the value given;
 * combinations (two clipping params, hinge with more than 2 classes, binomial with more than 2)
 * are rejected at fit.
 *
 * <p><b>optimizerConfig.</b> A whole Keras optimizer config, as {@code
 * tf.keras.optimizers.Adagrad(...).get_config()} prints it or wrapped as {@code {"class_name":
 * "Adagrad", "config": {...}}}. When set it wins: learningRate, learningRateSchedule,
 * initialAccumulatorValue, epsilon, weightDecay, the clipping params and the EMA params are then
 * ignored, and Keras' defaults apply to the keys the JSON leaves out. Unknown or deprecated keys
 * are errors.
 *
 * <p><b>Defaults from the Spark conf.</b> For every param except the column names, a Spark conf
 * key {@code spark.meshgrad.<paramName>} (for example {@code spark.meshgrad.learningRate=0.2},
 * {@code spark.meshgrad.mesh=batch=8,model=2}) gives the default. Precedence, highest first: a
 * value set on the stage (setter, {@code ParamMap}, grid), the conf key as read from {@code
 * spark.conf()} when {@code fit} runs, the built-in default. The estimator is not changed (its
 * {@code getOrDefault} gives the built-in default: Spark's is final), but its {@code explainParams()}
 * shows the value the active session's conf will give and its source ({@code current: 0.2 from
 * Spark conf spark.meshgrad.learningRate}); the fitted model records the values used as set params,
 * its {@code explainParams()} names the conf key ({@code ... at fit}), and the fit's INFO log line
 * lists them.
 *
 * <p><b>Evaluation.</b> {@code model.evaluate(df)} returns a summary with the names of MLlib's
 * summaries ({@link io.meshgrad.ml.MeshAdagradClassificationSummary}, {@link
 * io.meshgrad.ml.MeshAdagradBinaryClassificationSummary} for two classes, {@link
 * io.meshgrad.ml.MeshAdagradRegressionSummary}), computed by Spark's public {@code
 * org.apache.spark.mllib.evaluation} metrics.
 *
 * <p><b>Bad rows</b> are found by the pass that counts the training rows, which returns the first
 * bad row instead of failing a task: the fit fails with one message naming the row, column and
 * value, and Spark logs no executor error. A classifier checks its smallest and largest label on
 * the driver first.
 *
 * <p><b>No implicit standardization.</b> Unlike Spark's {@code LogisticRegression} and {@code
 * LinearRegression}, features (and labels) reach the optimizer exactly as given, as in Keras.
 * Compose a {@code StandardScaler} when feature scales differ. With least squares, the intercept
 * moves by about {@code learningRate} per step at first and more slowly later (Adagrad), so a
 * label far from 0 needs many steps or a centred label.
 *
 * <p><b>Early stopping.</b> With {@code validationIndicatorCol}, rows where it is true (null
 * counts as false) are held out. After every epoch (every step for full batch) and after the last
 * step, the validation loss (the training objective over all held-out rows, at the EMA weights
 * when useEma) is computed. It improves when {@code best - loss > validationTol * max(loss,
 * 0.01)} (Spark GBT's rule); after {@code earlyStoppingPatience} evaluations in a row without
 * improvement training stops. The model always gets the weights of the best evaluation, also when
 * training ran to maxIter (Keras' {@code EarlyStopping} restores them only when it stops early).
 * The summary reports the validation losses, the best step and whether training stopped early.
 *
 * <p><b>Non-finite steps.</b> {@code onNonFiniteGradient} decides what happens when a step's
 * loss, a gradient or an updated weight is NaN or infinite: {@code error} (default) fails with
 * {@link io.meshgrad.train.NonFiniteGradientException} naming the step and the variable; {@code
 * skip} keeps the weights and optimizer slots from before the step, counts it in the summary's
 * {@code stepsSkipped} and goes on with the next batch; {@code propagate} lets NaN into the
 * model, as Keras does. With the variables on the driver (no model dimension &gt; 1) the check is
 * exact; with sharded variables the gradient never reaches the driver, so the loss and the updated
 * weights are checked instead, which catches every non-finite gradient except an infinity that
 * clipValue clamps; see {@link io.meshgrad.train.MeshTrainer} for the precise guarantee and cost.
 *
 * <p><b>Persistence.</b> {@code write().save(path)}, static {@code load(path)} and {@code read()}
 * on all four classes, also inside a saved {@code Pipeline} or {@code PipelineModel}. The layout is
 * Spark ML's: {@code path/metadata} holds one JSON line ({@code class, timestamp, sparkVersion,
 * uid, paramMap, defaultParamMap}, plus {@code meshgradFormat}), written by meshgrad rather than
 * Spark's non-public {@code DefaultParamsWriter}; models add {@code path/data}, one Parquet row with
 * numFeatures, numClasses, numOutputs, loss, coefficients (row-major {@code [numFeatures,
 * numOutputs]}) and intercept (factorization machines: numFeatures, factorSize, loss, intercept,
 * linear, factors). No Java serialization. Loading checks the class name (a directory
 * saved by another class fails naming both classes), the params and the data (missing data or
 * arrays of the wrong length fail naming the path). Training summaries are not saved. The eight
 * classes are registered for {@code java.util.ServiceLoader} under {@code
 * org.apache.spark.ml.Estimator} and {@code org.apache.spark.ml.Transformer} and have public
 * no-argument constructors, as Spark Connect's allow-list requires.
 */
package io.meshgrad.ml;
