def test_endpoints_may_subscribe_to_the_alignment_apps_events():
    from leeway.integrations.topics import known_topics

    assert {"charter.signed", "feedback.given", "dispute.resolved", "policy.proposal_raised"} <= set(
        known_topics()
    )
