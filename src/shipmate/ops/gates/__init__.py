"""The gates every forward release (deploy, promote) passes, in this order; chain.py keeps the order.

1. policy (policy.py): freeze windows, require_passed_in, allow_dirty: refused before anything is read or written;
2. pre hook (hooks.py): the spec's pre-deploy command may say no;
3. confidence (confidence.py): the release's score, stored with the deployment, may ask for an approval;
4. approval (approval.py): a person's yes (outside the lease: waiting holds no lock);
5. backup (backup.py): the archive a protected environment takes first (a failure stops it, nothing changed);
6. then the run (ops/common/release_run.py, under the lease), wrapped in its post hooks and notifications.

Each gate that says no does so before anything changed; rollback and down pass the ones that apply to them.
"""
