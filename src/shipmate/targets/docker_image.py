"""The image a Docker release runs: found locally (never pulled) or built, tagged with the release version,
and known by its id from then on (the id is stored with the release; promotion relies on it)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from shipmate.errors import PrerequisiteMissingError, TargetError
from shipmate.release_config import ReleaseConfig
from shipmate.targets.docker_engine import LABEL, engine_errors, quietly, tag_for

if TYPE_CHECKING:
    from docker import DockerClient


def local_image(client: DockerClient, ref: str) -> str:
    """The id of a local image; PrerequisiteMissingError when the engine does not have it (we never pull)."""
    from docker.errors import ImageNotFound

    with engine_errors(f"look up image {ref}"):
        try:
            return str(client.images.get(ref).id)
        except ImageNotFound as exc:
            pruned = " (a release older than target.keep_releases had its image pruned: deploy it again)" \
                if ref.startswith("sha256:") else ""
            raise PrerequisiteMissingError(
                f"target.image: {ref or '(none)'} is not in the local Docker engine",
                hint=f"build or pull it first (docker pull {ref}); shipmate never pulls{pruned}") from exc


def prepare_image(client: DockerClient, config: ReleaseConfig) -> dict[str, Any]:
    """Build ``build:`` (or find ``image:``), tag it shipmate/<service>:<version>; {image_id, image_tag}."""
    s = config.target_settings
    repo, tag = f"shipmate/{config.service}", tag_for(config.version)
    build = s.get("build")
    if build:
        from docker.errors import BuildError

        labels = {f"{LABEL}.service": config.service, f"{LABEL}.version": config.version}
        with engine_errors(f"build {build['context']}"):
            try:
                image, _ = client.images.build(path=str(build["context"]), dockerfile=str(build["dockerfile"]),
                                               buildargs=dict(build.get("args") or {}), tag=f"{repo}:{tag}",
                                               labels=labels, rm=True, forcerm=True, pull=False)
            except BuildError as exc:
                raise TargetError(f"docker build failed: {exc.msg}",
                                  hint="fix the Dockerfile; run `docker build` there to see every step") from exc
        return {"image_id": str(image.id), "image_tag": f"{repo}:{tag}"}
    image_id = local_image(client, str(s.get("image")))
    with engine_errors(f"tag image {image_id}"):
        client.images.get(image_id).tag(repo, tag)
    return {"image_id": image_id, "image_tag": f"{repo}:{tag}"}


def untag_unused(client: DockerClient, service: str, keep: set[str]) -> list[str]:
    """Untag shipmate/<service>:<tag> of versions not in ``keep`` whose image no container uses (by tag, never
    by id: an image is deleted only when that was its last tag, and a user's own tags keep it)."""
    repo = f"shipmate/{service}"
    kept = {f"{repo}:{tag_for(version)}" for version in keep}
    in_use = {str(c.get("ImageID") or "") for c in client.api.containers(all=True)}   # no inspect per container
    untagged: list[str] = []
    # The low-level listing: `images.list` inspects each image, a 404 when another process deletes one meanwhile.
    for image in client.api.images(name=repo):
        if str(image.get("Id")) in in_use:
            continue
        for tag in image.get("RepoTags") or []:
            if tag.startswith(repo + ":") and tag not in kept and quietly(partial(_untag, client, tag), False):
                untagged.append(tag)
    return sorted(untagged)


def _untag(client: DockerClient, tag: str) -> bool:
    client.images.remove(tag, noprune=True)
    return True
