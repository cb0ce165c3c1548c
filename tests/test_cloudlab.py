"""The offline cloud lab: tagged resources are found by tag and torn down completely."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("moto")

from bdp.cloudlab import (  # noqa: E402
    aws_tags,
    create_budget,
    create_bucket,
    launch_instance,
    leftovers,
    local_cloud,
    tagged_arns,
    tagged_resources,
    teardown,
)

TAGS = {"course": "bdp", "owner": "test"}


def test_aws_tags_format() -> None:
    assert aws_tags({"a": "1"}) == [{"Key": "a", "Value": "1"}]


def test_lifecycle_finds_and_removes_everything() -> None:
    before = os.environ.get("MOTO_EC2_LOAD_DEFAULT_AMIS")
    with local_cloud() as cloud:
        create_budget(cloud, "bdp-test", 10, TAGS)
        spot = launch_instance(cloud, "vm-spot", TAGS)
        kept = launch_instance(cloud, "vm-disk", TAGS, spot=False, keep_volume=True)
        launch_instance(cloud, "not-mine", {"course": "other"})
        create_bucket(cloud, "bdp-test-bucket", TAGS)
        cloud.client("s3").put_object(Bucket="bdp-test-bucket", Key="k", Body=b"1")

        found = leftovers(cloud, TAGS)
        assert sorted(found["kind"]) == sorted(
            ["instance", "instance", "volume", "volume", "bucket", "budget"]
        )
        assert "spot" in found.set_index("id").loc[spot, "detail"]
        assert set(found["name"]) >= {"vm-spot", "vm-disk", "bdp-test-bucket"}

        # a terminated VM whose disk was kept: the disk is the leftover
        cloud.client("ec2").terminate_instances(InstanceIds=[kept])
        found = leftovers(cloud, TAGS)
        assert kept not in set(found["id"])
        assert (found["kind"] == "volume").sum() == 2

        deleted = teardown(cloud, TAGS)
        assert any(d.startswith("bucket") for d in deleted)
        assert leftovers(cloud, TAGS).empty
        # the Tagging API still lists terminated instances, and nothing else of ours
        assert all(":instance/" in arn for arn in tagged_arns(cloud, TAGS))
        # the other course's VM was not touched
        other = leftovers(cloud, {"course": "other"})
        assert list(other["kind"]).count("instance") == 1
    assert os.environ.get("MOTO_EC2_LOAD_DEFAULT_AMIS") == before


def test_tagged_resources_names_and_types() -> None:
    with local_cloud() as cloud:
        launch_instance(cloud, "vm-a", TAGS)
        create_bucket(cloud, "bdp-names", TAGS)
        listed = tagged_resources(cloud, TAGS)
        assert set(listed["type"]) == {"ec2:instance", "ec2:volume", "s3"}
        assert set(listed["name"]) == {"vm-a", "bdp-names"}
        teardown(cloud, TAGS)
