package io.meshgrad.ml;

/**
 * The params of the linear stages ({@link MeshAdagradClassifier}, {@link MeshAdagradRegressor} and
 * their models): those every meshgrad stage has ({@link MeshgradParams}); the classifier adds its
 * own in {@link MeshAdagradClassifierParams}. Until 0.1.0 this name meant the params of every
 * stage, now {@link MeshgradParams}: code that holds a linear stage as a {@code MeshAdagradParams}
 * keeps working, code that held an FM or MLP stage so should name {@link MeshgradParams}.
 */
public interface MeshAdagradParams extends MeshgradParams {}
