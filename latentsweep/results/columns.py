"""What every stored column means (the reference prints these beside `schema.SCHEMAS`; a test fails for a
column without one). A column named here for several tables means the same in each."""

from __future__ import annotations

SHARED = {
    "trial_id": "the trial's id: a hash of its spec (data, representation, strategy, learner, budget, seed)",
    "iteration": "0 is the initial batch; iteration i follows the i-th query",
    "n_labeled": "labels held at that point (paid validation labels included)",
    "seed": "the trial's (or evaluation's) seed",
    "representation": "the representation's id: its kind, settings and a hash of its spec and the data",
    "schema_version": "the version of this schema the row was written in",
    "seconds": "wall seconds (a trial's share of its pack's time)",
    "indices": "pool indices, in the order queried",
    "test_accuracy": "accuracy on the test part",
}

TRIALS = {
    "sweep": "the sweep's name",
    "dataset": "the data set (its name, or the file's)",
    "representation_kind": "the representation's kind (conv-vae, pixels, ...)",
    "strategy": "the strategy's label ('margin/top-k', 'random', ...)",
    "uncertainty": "the strategy's uncertainty measure (random: passive learning)",
    "representativeness": "its representativeness measure (none when unused)",
    "gamma": "the weight of uncertainty against representativeness",
    "batch": "its batch rule",
    "subsample": "the fraction of the unlabelled pool scored per iteration",
    "distance": "the greedy rule's distance",
    "alpha": "the greedy rule's diversity weight",
    "beta": "the greedy rule's representativeness weight",
    "initial": "the first batch's sampler",
    "gamma_end": "gamma at the last iteration when scheduled",
    "alpha_end": "alpha at the last iteration when scheduled",
    "beta_end": "beta at the last iteration when scheduled",
    "strategy_params": "JSON of the entries' own parameters",
    "classifier_hidden": "the learner's hidden layers (empty where its kind has none)",
    "classifier_dropout": "its dropout",
    "classifier_epochs": "its epochs per fit",
    "classifier_batch_size": "its minibatch size",
    "classifier_learning_rate": "its learning rate",
    "classifier_init": "its initialisation (keras or torch)",
    "classifier_kind": "the learner's kind (mlp, logistic, ensemble, self-training, sklearn)",
    "classifier_params": "JSON of the kind's own parameters (those at a neutral default left out)",
    "classifier_estimator": "a scikit-learn learner's import path",
    "classifier_estimator_params": "JSON of its arguments",
    "precision": "the learner's products: fp32, or bf16 (mixed precision)",
    "budget_initial": "labels of the initial batch",
    "budget_batch": "labels per query",
    "budget_iterations": "queries after the initial batch",
    "budget_name": "the budget regime's name",
    "budget_validation": "pool labels paid for validation (0: the free validation part)",
    "status": "ok, failed or pruned (a trial stopped by its criterion is ok)",
    "error": "what failed, in a line (empty when ok)",
    "final_test_accuracy": "the last model's test accuracy",
    "final_val_accuracy": "the last model's validation accuracy",
    "val_accuracy_auc": "area under the validation curve over the labelled range, divided by that range",
    "final_test_balanced_accuracy": "the last model's test balanced accuracy (mean recall per class)",
    "final_test_macro_f1": "the last model's test macro F1",
    "final_train_accuracy": "the last model's accuracy on its own labelled set",
    "final_train_loss": "the last model's mean cross-entropy on its own labelled set",
    "final_label_entropy": "the entropy of its labels' class frequencies (nats): the loss of knowing only them",
    "stopping": "the trial's stopping criterion and parameters (empty: its budget decides)",
    "stopped_by": "the criterion that ended it before its budget (empty: it did not)",
    "fit_seconds": "seconds fitting the learner, summed over the iterations",
    "selection_seconds": "seconds choosing queries, summed over the iterations",
    "pack_size": "trials in the pack it ran in",
    "attempts": "tries it took (a lost worker's pack runs again)",
    "host": "the machine's host name",
    "node": "the Ray node",
    "device": "cpu, or the GPU it ran on",
    "latentsweep_version": "latentsweep's version",
    "torch_version": "PyTorch's version",
    "numpy_version": "NumPy's version",
    "python_version": "Python's version",
    "finished_at": "when it was stored (UTC)",
    "study": "the Optuna study of a tuning trial ('NAME/final': the final comparison)",
    "optuna_trial": "the Optuna trial's number",
}

CURVES = {
    "val_accuracy": "validation accuracy (on the paid validation labels where the budget buys them)",
    "train_accuracy": "accuracy on the labelled set the model was trained on",
    "fit_seconds": "seconds fitting at this iteration",
    "selection_seconds": "seconds choosing the batch that led here",
    "val_balanced_accuracy": "validation balanced accuracy",
    "val_macro_f1": "validation macro F1",
    "heldout_val_accuracy": "with paid validation: accuracy on the free validation part (empty otherwise)",
    "heldout_val_balanced_accuracy": "with paid validation: balanced accuracy on the free validation part",
    "heldout_val_macro_f1": "with paid validation: macro F1 on the free validation part",
    "train_loss": "mean cross-entropy on the labelled set",
    "label_entropy": "entropy of the labelled set's class frequencies (nats): the loss of knowing only them",
    "test_accuracy": "test accuracy after this fit (recorded only: the loop never reads it)",
    "stop_agreement": "Cohen's kappa between this model's and the last one's predictions on the stop set",
    "stop_changed": "fraction of the stop set whose predicted class changed since the last model",
    "stop_uncertainty": "mean entropy over log C of the model's predictions on the stop set",
    "stop_max_uncertainty": "the largest entropy over log C on the stop set",
}

QUERIES = {"indices": "pool indices queried at that iteration (iteration 0: the initial batch)"}

QUERY_SETS = {
    "evaluation_id": "the evaluation's id: a hash of its spec",
    "experiment": "the initial-selection experiment's name",
    "variant": "balanced or unbalanced pool",
    "autoencoder": "the autoencoder whose latents the sampler read",
    "sampler": "the initial-selection sampler",
    "size": "the query set's size",
    "test_accuracy": "test accuracy of the CNN trained on the query set alone",
    "class_counts": "labels of each class in the query set",
    "class_entropy": "entropy of the query set's class histogram (nats)",
    "update_steps": "the CNN's update steps",
    "indices": "the query set's pool indices",
    "sampling_seconds": "seconds the sampler took",
}

TABLES = {"trials": TRIALS, "curves": CURVES, "queries": QUERIES, "query_sets": QUERY_SETS}


def meaning(table: str, column: str) -> str:
    """What `column` of `table` means ('' when nothing says)."""
    return TABLES[table].get(column) or SHARED.get(column, "")
