# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · The eCRM architecture and the map of the course
#
# **Electronic customer relationship management (eCRM)** applies internet technologies — web
# sites, e-mail, chat, forums, self-service portals — to *acquire*, *keep* and *grow*
# customers. It is **customer-centric, not channel-centric**: one complete view of each
# customer drives three decisions,
#
# 1. *which message*,
# 2. *which promotional offer*,
# 3. *through which channel*,
#
# and it asks for permission before marketing (**permission marketing**), tying the online
# channel back to the traditional touch points (branch, store, call centre, letter).
#
# This lesson draws the architecture every later lesson builds on, and maps each part to the
# lesson that makes it concrete. It reads no data.

# %% tags=["parameters"]
show_lessons: bool = True  # label each part of the architecture with the lessons that cover it; a bool

# %%
import ecrm_lab.lessons as lessons
from ecrm_lab.architecture import components, course_map
from ecrm_lab.plotting import plot_architecture

lessons.setup_notebook()

# %% [markdown]
# ## The picture
#
# * **Customers** touch the firm at its *touch points* and interact with **operational** and
#   **collaborative CRM**.
# * **Operational CRM** runs the customer-facing processes: marketing automation (campaign
#   and lead management), sales force automation (contact and account management) and
#   customer service (call centre, field service, a knowledge repository).
# * **Collaborative CRM** carries the interaction between customers, staff and partners
#   across channels: e-mail, web conferencing, voice, letter, direct interaction, partner and
#   affiliate networks.
# * **Analytical CRM** captures, stores, extracts, processes, interprets and reports customer
#   data. It does not touch customers itself: it *supports* the other two by answering *why*
#   customers behave as they do. It rests on a **data warehouse** and data marts, **data
#   mining** and OLAP.
# * The **engines of eCRM** turn that knowledge into action: the 360° customer view, the
#   personalization engine, the broadcast engine and the transaction engine. The course
#   material names a fifth engine without describing it; here it is the analytical
#   (knowledge-discovery) engine.
# * Around it all sits the **e-business**: storefront and web catalogue, billing and payment
#   gateway, supply chain, ERP, back office, content and knowledge management.
#
# The small italic labels name the lessons that cover each part (drawn from the lesson
# registry, so the figure follows the course as it grows).

# %%
plot_architecture(show_lessons=show_lessons);

# %% [markdown]
# ## The parts, as a table

# %% tags=["nbval-check-output"]
components()

# %% [markdown]
# ## The map of the course
#
# Every lesson is declared once in the registry (`ecrm_lab.lessons.LESSONS`) with the
# concepts it covers and the parameters it takes. Run any of them headless with
# `ecrm-lab run NN --param NAME VALUE` or open it in JupyterLab with `make lab`.

# %% tags=["nbval-check-output"]
course_map()

# %% [markdown]
# ## Three decisions, one view of the customer
#
# The rest of the course follows the data: a synthetic enterprise whose customers have
# *known* latent traits (lesson 01), the warehouse that integrates its sources into one
# customer view, the knowledge-discovery process and the five data-mining tasks that find
# patterns in it — and, because the truth was planted, every pattern, segment and campaign
# decision can be scored against what is really there.

# %%
lessons.run_record(show_lessons=show_lessons)
